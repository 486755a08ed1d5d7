package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Every route that takes a body refuses a bad one the same way, through
// the API as a client meets it: a 4xx with a JSON error that names the
// problem — the field, when there is one — and never a 5xx.
func TestEveryRouteRefusesABadBodyNamingTheProblem(t *testing.T) {
	u := customer(t, "BadInput")
	o := decode[order](t, call(t, http.MethodPost, "/orders", books(u.UserID)), http.StatusCreated)
	placement, _ := json.Marshal(books(u.UserID))

	type route struct {
		path  string
		valid string // a body the route takes
		// wrongType is a body with a value of the wrong type in field;
		// empty if the route has no field.
		wrongType, field string
	}
	routes := []route{
		{"/users", `{"email":"` + uniqueEmail("bad") + `","name":"Bad Input"}`, `{"email":42,"name":"Bad Input"}`, "email"},
		{"/orders", string(placement), `{"userId":"` + u.UserID + `","currency":"EUR","items":"two books"}`, "items"},
		{"/orders/" + o.OrderID + "/cancel", `{"reason":"changed my mind"}`, `{"reason":42}`, "reason"},
		{"/users/" + u.UserID + "/password-reset", `{}`, "", ""},
	}
	big := `{"name":"` + strings.Repeat("a", 70_000) + `"}`
	for _, r := range routes {
		tests := []badBody{
			{"a body that is not JSON", `{"email":`, nil, 400, ""},
			{"a JSON array", `[]`, nil, 400, ""},
			{"JSON null", `null`, nil, 400, ""},
			{"two JSON objects", r.valid + r.valid, nil, 400, ""},
			{"no content type", r.valid, []string{"Content-Type", ""}, 415, "Content-Type"},
			{"a text content type", r.valid, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
			{"a charset other than UTF-8", r.valid, []string{"Content-Type", "application/json; charset=latin1"}, 415, "Content-Type"},
			{"a body over 64 KiB", big, nil, 413, ""},
			{"an unknown field", withField(r.valid, `"admin":true`), nil, 400, "admin"},
		}
		if r.field != "" {
			tests = append(tests, badBody{"a value of the wrong type", r.wrongType, nil, 400, r.field})
		}
		for _, tt := range tests {
			t.Run("POST "+r.path+" with "+tt.name, func(t *testing.T) {
				resp := call(t, http.MethodPost, r.path, tt.body, tt.headers...)
				if resp.status >= 500 {
					t.Fatalf("status %d: %s", resp.status, resp.body)
				}
				e := decode[apiError](t, resp, tt.status)
				if e.Field != tt.field {
					t.Errorf("field = %q, want %q (%s)", e.Field, tt.field, resp.body)
				}
				if e.Error == "" || e.Message == "" || e.RequestID == "" {
					t.Errorf("error body lacks a code, message or request id: %s", resp.body)
				}
				if tt.field != "" && !strings.Contains(e.Message, tt.field) {
					t.Errorf("message %q does not name %s", e.Message, tt.field)
				}
			})
		}
	}
}

// withField adds a member to a JSON object.
func withField(object, member string) string {
	if strings.TrimSpace(object) == "{}" {
		return "{" + member + "}"
	}
	return strings.Replace(object, "{", "{"+member+",", 1)
}
