package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// fakeMailer records mail; it fails for addresses in fail.
type fakeMailer struct {
	sent []Mail
	fail map[string]error
}

func (m *fakeMailer) Send(_ context.Context, mail Mail) error {
	if err := m.fail[mail.To]; err != nil {
		return err
	}
	m.sent = append(m.sent, mail)
	return nil
}

func sqsEvent(t *testing.T) lambdaevents.SQSEvent {
	t.Helper()
	raw, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev lambdaevents.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func invoke(t *testing.T, mailer Mailer, ev lambdaevents.SQSEvent) lambdaevents.SQSEventResponse {
	t.Helper()
	resp, err := handler(&Notifier{mail: mailer}, slog.New(slog.NewTextHandler(io.Discard, nil)))(context.Background(), ev)
	if err != nil {
		t.Fatalf("handler failed the whole batch: %v", err)
	}
	return resp
}

func TestAUserRegisteredEventSendsAWelcomeMail(t *testing.T) {
	mailer := &fakeMailer{}
	resp := invoke(t, mailer, sqsEvent(t))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures = %v", resp.BatchItemFailures)
	}
	if len(mailer.sent) != 1 {
		t.Fatalf("sent %d mails", len(mailer.sent))
	}
	m := mailer.sent[0]
	if m.To != "ada@example.com" || m.Subject != "Welcome to eventshop, Ada Lovelace" {
		t.Errorf("mail to %q about %q", m.To, m.Subject)
	}
	for _, body := range []string{m.Text, m.HTML} {
		if !strings.Contains(body, "Ada Lovelace") || !strings.Contains(body, "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e") {
			t.Errorf("body lacks the name or the user id:\n%s", body)
		}
	}
}

func TestTheHTMLBodyEscapesWhatUsersTyped(t *testing.T) {
	ev := sqsEvent(t)
	ev.Records[0].Body = strings.ReplaceAll(ev.Records[0].Body, "Ada Lovelace", `<script>alert(1)</script>`)
	mailer := &fakeMailer{}
	invoke(t, mailer, ev)
	if len(mailer.sent) != 1 || strings.Contains(mailer.sent[0].HTML, "<script>") {
		t.Errorf("HTML = %q", mailer.sent[0].HTML)
	}
}

func TestAFailedSendIsReportedForThatMessageOnly(t *testing.T) {
	ev := sqsEvent(t)
	other := ev.Records[0]
	other.MessageId = "second"
	other.Body = strings.ReplaceAll(other.Body, "ada@example.com", "grace@example.com")
	ev.Records = append(ev.Records, other)
	mailer := &fakeMailer{fail: map[string]error{"ada@example.com": errors.New("throttled")}}

	resp := invoke(t, mailer, ev)
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != ev.Records[0].MessageId {
		t.Errorf("failures = %+v, want the first message only", resp.BatchItemFailures)
	}
	if len(mailer.sent) != 1 || mailer.sent[0].To != "grace@example.com" {
		t.Errorf("sent = %+v", mailer.sent)
	}
}

func TestAnUnknownEventTypeIsAcknowledgedWithoutMail(t *testing.T) {
	ev := sqsEvent(t)
	ev.Records[0].Body = strings.ReplaceAll(ev.Records[0].Body, "user.registered", "user.teleported")
	mailer := &fakeMailer{}
	if resp := invoke(t, mailer, ev); len(resp.BatchItemFailures) != 0 || len(mailer.sent) != 0 {
		t.Errorf("failures %v, sent %d", resp.BatchItemFailures, len(mailer.sent))
	}
}

func TestAnUnreadableMessageIsReportedNotSwallowed(t *testing.T) {
	ev := sqsEvent(t)
	ev.Records[0].Body = "not json"
	if resp := invoke(t, &fakeMailer{}, ev); len(resp.BatchItemFailures) != 1 {
		t.Errorf("failures = %v, want the message", resp.BatchItemFailures)
	}
}

func TestMaskEmailKeepsOnlyAHint(t *testing.T) {
	for in, want := range map[string]string{"ada@example.com": "a***@example.com", "x": "***", "@x": "***"} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}
