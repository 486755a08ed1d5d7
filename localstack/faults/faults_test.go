package faults_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

func send(c *sesv2.Client, to string) error {
	_, err := c.SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("shop@example.com"),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content:          &types.EmailContent{Simple: &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}},
	})
	return err
}

func TestTheProxyFailsWhatTheRulesSayAsAWSWould(t *testing.T) {
	p, err := faults.Start(backend(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := ses(p.URL)

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

func TestTheRulesChangeOverHTTP(t *testing.T) {
	p, err := faults.Start(backend(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for body, status := range map[string]int{`{"failRate":0.3}`: 200, `{"failRate":2}`: 400, `{"error":"boom"}`: 400, `{"nope":1}`: 400} {
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
