package emulated_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/eventshop/eventshop/localstack/emulated"
)

// serve answers GET path with a recorded sample, as the emulator would.
func serve(t *testing.T, path, sample string) string {
	t.Helper()
	body, err := os.ReadFile("testdata/" + sample)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestKumoReadsItsSentEmails(t *testing.T) {
	mails, err := emulated.Kumo{Endpoint: serve(t, "/kumo/ses/v2/sent-emails", "kumo-sent-emails.json")}.Sent(context.Background())
	if err != nil || len(mails) != 1 {
		t.Fatalf("%d mails, %v", len(mails), err)
	}
	m := mails[0]
	if m.To[0] != "ada@example.com" || m.Subject != "Welcome to eventshop, Ada Lovelace" || m.Text == "" || m.HTML == "" ||
		!m.SentAt.Equal(time.Date(2026, 11, 25, 6, 47, 51, 163680171, time.UTC)) {
		t.Errorf("mail = %+v", m)
	}
}

func TestLocalStackReadsAwsSES(t *testing.T) {
	mails, err := emulated.LocalStack{Endpoint: serve(t, "/_aws/ses", "localstack-ses.json")}.Sent(context.Background())
	if err != nil || len(mails) != 2 {
		t.Fatalf("%d mails, %v", len(mails), err)
	}
	m := mails[0]
	if m.To[0] != "ada@example.com" || m.From != "noreply@eventshop.example" || m.Text == "" || m.HTML == "" ||
		!m.SentAt.Equal(time.Date(2026, 11, 25, 9, 59, 42, 0, time.UTC)) {
		t.Errorf("first mail = %+v", m)
	}
	if mails[1].HTML != "" || !mails[1].SentAt.Equal(time.Date(2026, 11, 25, 10, 0, 0, 123e6, time.UTC)) {
		t.Errorf("second mail = %+v", mails[1])
	}
}

func TestAMailboxSaysWhatWentWrong(t *testing.T) {
	if _, err := (emulated.LocalStack{Endpoint: serve(t, "/elsewhere", "localstack-ses.json")}).Sent(context.Background()); err == nil {
		t.Error("no error for a 404")
	}
}

func TestLocalStackServesAnAPIUnderItsIDsHost(t *testing.T) {
	host, err := emulated.LocalStackAPIHost("http://127.0.0.1:4566", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/")
	if err != nil || host != "a1b2c3d4e5.execute-api.localhost.localstack.cloud:4566" {
		t.Errorf("host = %q, %v", host, err)
	}
	if _, err := emulated.LocalStackAPIHost("http://127.0.0.1:4566", "not a url"); err == nil {
		t.Error("no error for a missing ApiUrl")
	}
}
