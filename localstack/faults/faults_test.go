package faults_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/eventshop/eventshop/localstack/faults"
)

// A stand-in for the emulator that accepts every mail.
func backend(t *testing.T) *httptest.Server {
	return counting(t, new(atomic.Int64))
}

// counting is a backend that counts the mails it accepted.
func counting(t *testing.T, sent *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"MessageId":"m-1"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func ses(url string) *sesv2.Client {
	return sesv2.New(sesv2.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
}

// startProxy starts a proxy in front of backendURL, closed when the test
// ends, and an SES client that calls it.
func startProxy(t *testing.T, backendURL string) (*faults.Proxy, *sesv2.Client) {
	t.Helper()
	p, err := faults.Start(backendURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, ses(p.URL)
}

func send(c *sesv2.Client, to string) error {
	_, err := c.SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("shop@example.com"),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content:          &types.EmailContent{Simple: &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}},
	})
	return err
}

func TestTheProxyFailsWhatTheRulesSayAsAWSWould(t *testing.T) {
	p, c := startProxy(t, backend(t).URL)

	if err := send(c, "ada@example.com"); err != nil {
		t.Fatalf("no rules: %v", err)
	}
	p.Set(faults.Rules{FailFor: []string{"Grace@example.com"}})
	if err := send(c, "ada@example.com"); err != nil {
		t.Errorf("another recipient: %v", err)
	}
	var api smithy.APIError
	if err := send(c, "grace@example.com"); !errors.As(err, &api) || api.ErrorCode() != "TooManyRequestsException" {
		t.Errorf("the failing recipient: %v", err)
	}
	p.Set(faults.Rules{FailRate: 1, Error: "reject"})
	if err := send(c, "ada@example.com"); !errors.As(err, &api) || api.ErrorCode() != "MessageRejected" || api.ErrorFault() != smithy.FaultClient {
		t.Errorf("reject: %v", err)
	}
	if s := p.Stats(); s.Calls != 4 || s.Injected != 2 {
		t.Errorf("stats = %+v", s)
	}
}

func TestALostAnswerReachesTheServiceButNotTheCaller(t *testing.T) {
	var sent atomic.Int64
	p, c := startProxy(t, counting(t, &sent).URL)

	p.Set(faults.Rules{LoseRate: 1})
	err := send(c, "ada@example.com")
	var api smithy.APIError
	if err == nil || errors.As(err, &api) {
		t.Errorf("a lost answer: %v, want a dropped connection", err)
	}
	if sent.Load() != 1 {
		t.Errorf("the service got %d calls, want 1: it acts before the answer is lost", sent.Load())
	}
	if s := p.Stats(); s.Calls != 1 || s.Lost != 1 || s.Injected != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestNoRecipientMeetsMoreFaultsThanTheBound(t *testing.T) {
	p, c := startProxy(t, backend(t).URL)

	p.Set(faults.Rules{FailRate: 1, MaxPerRecipient: 2})
	var failed []bool
	for range 4 {
		failed = append(failed, send(c, "ada@example.com") != nil)
	}
	if !slices.Equal(failed, []bool{true, true, false, false}) {
		t.Errorf("calls failed: %v, want the first two only", failed)
	}
	if err := send(c, "grace@example.com"); err == nil {
		t.Error("another recipient's first call passed; the bound is per recipient")
	}
	p.Set(faults.Rules{FailRate: 1, MaxPerRecipient: 2})
	if err := send(c, "ada@example.com"); err == nil {
		t.Error("new rules kept the old count")
	}
}

func TestTheRulesChangeOverHTTP(t *testing.T) {
	p, _ := startProxy(t, backend(t).URL)
	for body, status := range map[string]int{`{"failRate":0.3}`: 200, `{"failRate":2}`: 400, `{"error":"boom"}`: 400, `{"nope":1}`: 400,
		`{"loseRate":0.5,"maxPerRecipient":2}`: 200, `{"loseRate":-1}`: 400, `{"maxPerRecipient":-1}`: 400} {
		req, _ := http.NewRequest(http.MethodPut, p.URL+"/_faults", strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("PUT %s: %d, want %d", body, resp.StatusCode, status)
		}
	}
}

// The proxy serves this machine's programs, never a web page: not one that
// sends its Origin, nor one that reached 127.0.0.1 under its own name.
func TestTheProxyRefusesWebPagesAndOtherHosts(t *testing.T) {
	p, _ := startProxy(t, backend(t).URL)
	for name, edit := range map[string]func(*http.Request){
		"a page's request":       func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") },
		"a page's fetch":         func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
		"a name rebound to here": func(r *http.Request) { r.Host = "evil.example" },
		"the same, with a port":  func(r *http.Request) { r.Host = "evil.example:1234" },
	} {
		for _, path := range []string{"/_faults", faults.PaymentsPath + "/authorizations", "/v2/email/outbound-emails"} {
			req, _ := http.NewRequest(http.MethodPost, p.URL+path, strings.NewReader(`{}`))
			edit(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s to %s: %d, want 403", name, path, resp.StatusCode)
			}
		}
	}
	resp, err := http.Get(p.URL + "/_faults")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("curl's GET /_faults: %d, want 200", resp.StatusCode)
	}
}
