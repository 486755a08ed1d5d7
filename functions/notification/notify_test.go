package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
)

// fakeMailer records mail; it fails for addresses in fail.
type fakeMailer struct {
	sent []Mail
	fail map[string]error
}

func (m *fakeMailer) Send(_ context.Context, mail Mail) (string, error) {
	if err := m.fail[mail.To]; err != nil {
		return "", err
	}
	m.sent = append(m.sent, mail)
	return "msg-" + mail.Template, nil
}

// sample reads an event of the catalogue's samples.
func sample(t *testing.T, eventType string) events.Envelope {
	t.Helper()
	raw, err := os.ReadFile("../../events/testdata/" + eventType + ".json")
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func newNotifier() (*Notifier, *fakeMailer, *eventstore.Memory) {
	mailer, store := &fakeMailer{}, eventstore.NewMemory()
	return &Notifier{mail: mailer, events: store, resetURL: "https://shop.example/reset"}, mailer, store
}

func TestEachEventSendsItsMail(t *testing.T) {
	tests := []struct {
		event    string
		template string
		subject  string
		bodyHas  []string
	}{
		{events.TypeUserRegistered, "welcome", "Welcome to eventshop, Ada Lovelace", []string{"Ada Lovelace", "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"}},
		{events.TypeUserPasswordReset, "password-reset", "Reset your eventshop password", []string{"https://shop.example/reset?token=" + strings.Repeat("x", 43), "2026-11-25 10:31 UTC"}},
		{events.TypeOrderPlaced, "order-confirmation", "Your eventshop order 9a8b7c6d", []string{"BOOK-42", "19.99 EUR", "39.98 EUR", "PEN-1", "2.50 EUR", "42.48 EUR"}},
		{events.TypeOrderCancelled, "order-cancellation", "Your eventshop order 9a8b7c6d is cancelled", []string{"42.48 EUR", "changed my mind"}},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			n, mailer, _ := newNotifier()
			if err := n.Notify(context.Background(), sample(t, tt.event)); err != nil {
				t.Fatal(err)
			}
			if len(mailer.sent) != 1 {
				t.Fatalf("sent %d mails", len(mailer.sent))
			}
			m := mailer.sent[0]
			if m.To != "ada@example.com" || m.Template != tt.template || m.Subject != tt.subject {
				t.Errorf("mail to %q from %q about %q", m.To, m.Template, m.Subject)
			}
			for _, body := range []string{m.Text, m.HTML} {
				for _, want := range tt.bodyHas {
					if !strings.Contains(body, strings.ReplaceAll(want, "&", "&amp;")) {
						t.Errorf("body lacks %q:\n%s", want, body)
					}
				}
			}
		})
	}
}

func TestEveryMailSentIsRecordedAsCausedByItsEvent(t *testing.T) {
	n, _, store := newNotifier()
	env := sample(t, events.TypeOrderPlaced)
	if err := n.Notify(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	records, err := store.Load(context.Background(), "notification-"+env.EventID, 1)
	if err != nil || len(records) != 1 {
		t.Fatalf("recorded %d events, %v", len(records), err)
	}
	sent := records[0].Envelope
	if sent.EventType != events.TypeNotificationSent || sent.Metadata.CausationID != env.EventID || sent.Metadata.CorrelationID != env.Metadata.CorrelationID {
		t.Errorf("recorded %s caused by %s in flow %s", sent.EventType, sent.Metadata.CausationID, sent.Metadata.CorrelationID)
	}
	p, err := events.Decode[events.NotificationSent](sent)
	if err != nil {
		t.Fatal(err)
	}
	if p.Template != "order-confirmation" || p.UserID != "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e" || p.MessageID != "msg-order-confirmation" {
		t.Errorf("payload = %+v", p)
	}
}

func TestAFailedSendIsAnErrorAndRecordsNothing(t *testing.T) {
	n, mailer, store := newNotifier()
	mailer.fail = map[string]error{"ada@example.com": errors.New("throttled")}
	env := sample(t, events.TypeUserRegistered)
	if err := n.Notify(context.Background(), env); err == nil {
		t.Fatal("no error")
	}
	if records, _ := store.Load(context.Background(), "notification-"+env.EventID, 1); len(records) != 0 {
		t.Errorf("recorded %d events for a mail not sent", len(records))
	}
}

func TestTheHTMLBodyEscapesWhatUsersTyped(t *testing.T) {
	n, mailer, _ := newNotifier()
	env := sample(t, events.TypeOrderCancelled)
	env.Data = []byte(strings.Replace(string(env.Data), "changed my mind", "<script>alert(1)</script>", 1))
	if err := n.Notify(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(mailer.sent[0].HTML, "<script>") {
		t.Errorf("HTML = %s", mailer.sent[0].HTML)
	}
}

func TestEventsWithoutAMailAreSkipped(t *testing.T) {
	n, mailer, _ := newNotifier()
	err := n.Notify(context.Background(), sample(t, events.TypeNotificationSent))
	if !errors.Is(err, consumer.ErrSkip) || len(mailer.sent) != 0 {
		t.Errorf("err = %v, sent %d", err, len(mailer.sent))
	}
}

func TestMaskEmailKeepsOnlyAHint(t *testing.T) {
	for in, want := range map[string]string{"ada@example.com": "a***@example.com", "x": "***", "@x": "***"} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigNamesWhatIsMissingOrWrong(t *testing.T) {
	err := config{ResetURL: "reset"}.Validate()
	for _, want := range []string{"MAIL_FROM", "EVENTS_TABLE", "RESET_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to name %s", err, want)
		}
	}
	if err := (config{MailFrom: "a@b.c", EventsTable: "e", ResetURL: "https://shop.example/reset"}).Validate(); err != nil {
		t.Error(err)
	}
}
