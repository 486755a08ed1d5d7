package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
)

// Only the canonical spelling of an id is one: any other is a 400 that
// names the field, not a 404 or a 422.
func TestIdentifiersAreLowerCaseUUIDsWithDashesAndNothingElse(t *testing.T) {
	u := customer(t, "Canonical")
	o := decode[order](t, call(t, http.MethodPost, "/orders", books(u.UserID)), http.StatusCreated)
	spellings := func(id string) map[string]string {
		return map[string]string{
			"upper case": strings.ToUpper(id),
			"braced":     "{" + id + "}",
			"a urn":      "urn:uuid:" + id,
			"undashed":   strings.ReplaceAll(id, "-", ""),
		}
	}
	for name, id := range spellings(u.UserID) {
		for _, r := range []struct{ method, path string }{
			{http.MethodGet, "/users/" + id},
			{http.MethodPost, "/users/" + id + "/password-reset"},
			{http.MethodDelete, "/users/" + id},
		} {
			t.Run(r.method+" "+r.path, func(t *testing.T) {
				if e := decode[apiError](t, call(t, r.method, r.path, nil), http.StatusBadRequest); e.Field != contract.ParamUserID {
					t.Errorf("%s: %+v", name, e)
				}
			})
		}
		t.Run("POST /orders for "+name, func(t *testing.T) {
			if e := decode[apiError](t, call(t, http.MethodPost, "/orders", books(id)), http.StatusBadRequest); e.Field != contract.ParamUserID {
				t.Errorf("%+v", e)
			}
		})
	}
	for name, id := range spellings(o.OrderID) {
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, "/orders/" + id, nil},
			{http.MethodGet, "/orders/" + id + "/events", nil},
			{http.MethodPost, "/orders/" + id + "/cancel", nil},
			{http.MethodPost, "/orders/" + id + "/ship", parcel},
		} {
			t.Run(name+" "+r.method+" "+r.path, func(t *testing.T) {
				if e := decode[apiError](t, call(t, r.method, r.path, r.body), http.StatusBadRequest); e.Field != contract.ParamOrderID {
					t.Errorf("%+v", e)
				}
			})
		}
	}
}

// A request no route serves gets the API's error shape too, with its
// correlation id: 404 for an unknown path, 405 with Allow for a known
// path and another method.
func TestUnknownPathsAndMethodsAnswerInTheErrorShape(t *testing.T) {
	id := uuid.NewString()
	tests := []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/nothing-here", http.StatusNotFound, ""},
		{http.MethodGet, "/users/" + id + "/orders", http.StatusNotFound, ""},
		{http.MethodPut, "/users", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPatch, "/users/" + id, http.StatusMethodNotAllowed, "GET, DELETE"},
		{http.MethodDelete, "/orders/" + id, http.StatusMethodNotAllowed, "GET"},
		{http.MethodGet, "/orders/" + id + "/cancel", http.StatusMethodNotAllowed, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := call(t, tt.method, tt.path, nil, contract.CorrelationHeader, "e2e-edge")
			e := decode[apiError](t, r, tt.status)
			if e.Error == "" || e.Message == "" || r.header.Get(contract.CorrelationHeader) != "e2e-edge" {
				t.Errorf("%d %s, %s %q", r.status, r.body, contract.CorrelationHeader, r.header.Get(contract.CorrelationHeader))
			}
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
}

// Errors quote at most a short prefix of what the caller sent.
func TestErrorsDoNotEchoAHugeValue(t *testing.T) {
	u := customer(t, "Echo")
	huge := `{"userId":"` + u.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":1` + strings.Repeat("0", 60_000) + `,"unitPriceCents":1}]}`
	for name, body := range map[string]string{
		"a number of 60,000 digits":          huge,
		"a member name of 60,000 characters": `{"` + strings.Repeat("x", 60_000) + `":1}`,
	} {
		r := call(t, http.MethodPost, "/orders", body)
		if e := decode[apiError](t, r, http.StatusBadRequest); len(r.body) > 300 || e.Field == "" {
			t.Errorf("%s: a %d-byte answer: %.300s", name, len(r.body), r.body)
		}
	}
}

// Password resets are limited per user: of ten at once, one starts and
// mails; the others get 429 and when to try again.
func TestPasswordResetsAreLimitedEvenAtOnce(t *testing.T) {
	u := register(t, uniqueEmail("limited"), "Limited Resets")
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 10 {
		wg.Go(func() {
			r := call(t, http.MethodPost, "/users/"+u.UserID+"/password-reset", nil)
			mu.Lock()
			defer mu.Unlock()
			statuses[r.status]++
			if r.status == http.StatusTooManyRequests {
				e := decode[apiError](t, r, http.StatusTooManyRequests)
				if wait, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || wait < 1 || wait > 61 || e.Error != "too_many_requests" {
					t.Errorf("429 with Retry-After %q: %s", r.header.Get("Retry-After"), r.body)
				}
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusAccepted] != 1 || statuses[http.StatusTooManyRequests] != 9 {
		t.Errorf("statuses %v, want one 202 and nine 429", statuses)
	}
	waitForMail(t, u.Email, 1, subjectHas("Reset your eventshop password"))
	time.Sleep(time.Second)
	assertMailsOnceDrained(t, u.Email, subjectHas("Reset your eventshop password"), 1)
}
