package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// response is an HTTP response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the JSON body of every 4xx and 5xx.
type apiError struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	Field     string `json:"field"`
	RequestID string `json:"requestId"`
}

// call sends a request to the API. body is sent as is if it is a string,
// else encoded as JSON; headers alternate names and values.
func call(t testing.TB, method, path string, body any, headers ...string) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, stack.api+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// decode reads a response body that must have the given status.
func decode[T any](t testing.TB, r response, status int) T {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// uniqueEmail returns an address no other test uses.
func uniqueEmail(name string) string {
	return strings.ToLower(name) + "+" + uuid.NewString()[:8] + "@example.com"
}

// waitForMail waits until the mailbox holds want mails to addr matching
// match, and returns them. It fails the test after timeout.
func waitForMail(t testing.TB, addr string, want int, match func(Mail) bool) []Mail {
	t.Helper()
	const timeout = 20 * time.Second
	deadline := time.Now().Add(timeout)
	for {
		mails := mailTo(t, addr, match)
		if len(mails) >= want {
			return mails
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d mails to %s, want %d", timeout, len(mails), addr, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mailTo returns the mail sent to addr so far that matches.
func mailTo(t testing.TB, addr string, match func(Mail) bool) []Mail {
	t.Helper()
	all, err := stack.mailbox.Sent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []Mail
	for _, m := range all {
		if slices.Contains(m.To, addr) && (match == nil || match(m)) {
			out = append(out, m)
		}
	}
	return out
}

func subjectHas(s string) func(Mail) bool {
	return func(m Mail) bool { return strings.Contains(m.Subject, s) }
}
