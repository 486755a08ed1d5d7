package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/api"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/jsoncheck"
	"github.com/eventshop/eventshop/localstack/emulated"
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
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, stack.api+path, bytes.NewReader(raw))
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
	if stack.apiHost != "" {
		req.Host = stack.apiHost
	}
	sign(t, req, raw)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, method, path, resp.StatusCode, answer)
	return response{status: resp.StatusCode, header: resp.Header, body: answer}
}

// checkAnswer holds an answer to the API's schemas (package api): a
// success to its route's response schema, an error to the error shape.
func checkAnswer(t testing.TB, method, path string, status int, body []byte) {
	t.Helper()
	route, ok := routeOf(method, strings.SplitN(path, "?", 2)[0])
	if !ok {
		// No route: the fallback's 404 or 405, in the error shape.
		if err := jsoncheck.Check(body, jsoncheck.Strict, api.Check(api.ErrorSchema)); status < 400 || err != nil {
			t.Errorf("%s %s, which no route serves, answered %d: %v\n%s", method, path, status, err, body)
		}
		return
	}
	r, _ := api.For(route)
	schema := ""
	switch {
	case status == r.Status:
		schema = r.Response
	case status >= 400:
		schema = api.ErrorSchema
	default:
		t.Errorf("%s %s answered %d, which is neither its success (%d) nor an error", method, path, status, r.Status)
		return
	}
	if schema == "" {
		if len(body) != 0 {
			t.Errorf("%s %s answered %d with a body, where it has none: %s", method, path, status, body)
		}
		return
	}
	if err := jsoncheck.Check(body, jsoncheck.Strict, api.Check(schema)); err != nil {
		t.Errorf("%s %s answered %d with a body its schema %s refuses: %v\n%s", method, path, status, schema, err, body)
	}
}

// routeOf finds the route of the contract that a request is for.
func routeOf(method, path string) (contract.Route, bool) {
	for _, r := range contract.Match(path) {
		if r.Method() == method {
			return r, true
		}
	}
	return "", false
}

// sign signs the request with AWS Signature Version 4, as the API's IAM
// authorization requires on AWS (the emulators do not check it).
func sign(t testing.TB, req *http.Request, body []byte) {
	t.Helper()
	creds, err := stack.aws.Credentials.Retrieve(req.Context())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(req.Context(), creds, req, hex.EncodeToString(sum[:]), "execute-api", stack.aws.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
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
func waitForMail(t testing.TB, addr string, want int, match func(emulated.Mail) bool) []emulated.Mail {
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
func mailTo(t testing.TB, addr string, match func(emulated.Mail) bool) []emulated.Mail {
	t.Helper()
	all, err := stack.mailbox.Sent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []emulated.Mail
	for _, m := range all {
		if slices.Contains(m.To, addr) && (match == nil || match(m)) {
			out = append(out, m)
		}
	}
	return out
}

// assertMailsOnceDrained checks that addr got want mails matching match,
// once the notification queue has drained: a duplicate delivery that is
// still waiting out a backoff is counted, not missed.
func assertMailsOnceDrained(t *testing.T, addr string, match func(emulated.Mail) bool, want int) {
	t.Helper()
	waitDrained(t, notificationQueue(), time.Minute)
	if n := len(mailTo(t, addr, match)); n != want {
		t.Errorf("%d mails to %s, want %d", n, addr, want)
	}
}

func subjectHas(s string) func(emulated.Mail) bool {
	return func(m emulated.Mail) bool { return strings.Contains(m.Subject, s) }
}

// badBody is a request a route must refuse: its body and headers, and the
// status and the field that the error must name ("" for none).
type badBody struct {
	name    string
	body    string
	headers []string
	status  int
	field   string
}
