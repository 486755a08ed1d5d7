package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/localstack/faults"
)

// A mail that bounces for good, or that its recipient complains of, is
// the last one eventshop sends them: SES publishes the bounce or the
// complaint (locally, the fault proxy does, as SES would), the bounces
// function suppresses the recipient, and the notification service skips
// their later mail, counting it.
func TestABouncedOrComplainingRecipientGetsNoMoreMail(t *testing.T) {
	for _, tt := range []struct {
		name   string
		rules  func(addr string) faults.Rules
		reason string
	}{
		{"a hard bounce", func(a string) faults.Rules { return faults.Rules{BounceFor: []string{a}} }, events.SuppressedForBounce},
		{"a complaint", func(a string) faults.Rules { return faults.Rules{ComplainFor: []string{a}} }, events.SuppressedForComplaint},
	} {
		t.Run(tt.name, func(t *testing.T) {
			email := uniqueEmail("reputation")
			stats := injectFaults(t, tt.rules(email))
			mark := logMark(t)
			u := register(t, email, "Reputation Test")
			waitForMail(t, email, 1, subjectHas("Welcome")) // SES takes it; then it bounces, or they complain

			stream := contract.SuppressionStream.ID(u.UserID)
			deadline := time.Now().Add(20 * time.Second)
			for {
				records, err := eventStore().Load(context.Background(), stream, 1)
				if err != nil {
					t.Fatal(err)
				}
				if len(records) > 0 {
					p, err := events.Decode[events.NotificationSuppressed](records[0].Envelope)
					if err != nil || p.UserID != u.UserID || p.Reason != tt.reason || p.MessageID == "" {
						t.Errorf("suppressed %+v, %v", p, err)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("after 20 s %s has no event (the proxy published %d)", stream, stats().Published)
				}
				time.Sleep(100 * time.Millisecond)
			}

			decode[struct{}](t, call(t, http.MethodPost, "/users/"+u.UserID+"/password-reset", nil), http.StatusAccepted)
			if mark >= 0 {
				if n := waitForMetric(t, mark, "notification", "MailsSuppressed", map[string]string{"Template": "password-reset"}, 1); n != 1 {
					t.Errorf("%d reset mails counted as suppressed, want 1", n)
				}
			}
			assertMailsOnceDrained(t, email, nil, 1) // the welcome mail, and nothing since
		})
	}
}
