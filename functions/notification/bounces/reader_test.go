package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
)

// fakeDLQ records what is dead-lettered.
type fakeDLQ struct{ sent []*sqs.SendMessageInput }

func (f *fakeDLQ) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.sent = append(f.sent, in)
	return &sqs.SendMessageOutput{}, nil
}

// sesMessage is an SES event as its queue delivers it.
func sesMessage(t *testing.T, detail map[string]any) lambdaevents.SQSMessage {
	t.Helper()
	raw, _ := json.Marshal(detail)
	body, _ := json.Marshal(lambdaevents.EventBridgeEvent{Version: "0", ID: uuid.NewString(), DetailType: "Email Bounced", Source: "aws.ses", Detail: raw})
	return lambdaevents.SQSMessage{MessageId: uuid.NewString(), Body: string(body)}
}

func mail(userID string) map[string]any {
	return map[string]any{"messageId": "0100018c-" + uuid.NewString()[:8], "destination": []string{"ada@example.com"},
		"tags": map[string][]string{contract.MailTagUserID: {userID}, contract.MailTagEventID: {uuid.NewString()}, "ses:configuration-set": {"mail"}}}
}

func newReader() (*Reader, *eventstore.Memory, *fakeDLQ, *bytes.Buffer) {
	store, dead, log := eventstore.NewMemory(), &fakeDLQ{}, &bytes.Buffer{}
	return &Reader{events: store, dlq: dead, dlqURL: "dlq", log: slog.New(slog.NewJSONHandler(log, nil))}, store, dead, log
}

func TestAHardBounceOrAComplaintSuppressesTheRecipientOnce(t *testing.T) {
	for _, tt := range []struct {
		name   string
		detail map[string]any
		reason string
	}{
		{"a hard bounce", map[string]any{"eventType": "Bounce", "bounce": map[string]any{"bounceType": "Permanent", "bounceSubType": "NoEmail"}}, "bounce"},
		{"a complaint", map[string]any{"eventType": "Complaint", "complaint": map[string]any{"complaintFeedbackType": "abuse"}}, "complaint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, store, _, log := newReader()
			userID := uuid.NewString()
			tt.detail["mail"] = mail(userID)
			msg := sesMessage(t, tt.detail)
			for range 2 { // SES may say it twice
				resp, err := r.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
				if err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("%v %v", resp, err)
				}
			}
			records, _ := store.Load(context.Background(), contract.SuppressionStream.ID(userID), 1)
			if len(records) != 1 {
				t.Fatalf("%d events in the suppression stream", len(records))
			}
			p, err := events.Decode[events.NotificationSuppressed](records[0].Envelope)
			if err != nil || p.UserID != userID || p.Reason != tt.reason {
				t.Errorf("suppressed %+v, %v", p, err)
			}
			if strings.Contains(log.String(), "ada@example.com") || strings.Contains(string(records[0].Envelope.Data), "ada@") {
				t.Error("the address was logged or recorded")
			}
			if !strings.Contains(log.String(), `"outcome":"suppressed"`) || !strings.Contains(log.String(), `"outcome":"duplicate"`) {
				t.Errorf("log:\n%s", log)
			}
		})
	}
}

func TestATransientBounceSuppressesNobody(t *testing.T) {
	r, store, dead, _ := newReader()
	userID := uuid.NewString()
	msg := sesMessage(t, map[string]any{"eventType": "Bounce", "bounce": map[string]any{"bounceType": "Transient", "bounceSubType": "MailboxFull"}, "mail": mail(userID)})
	resp, _ := r.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
	if records, _ := store.Load(context.Background(), contract.SuppressionStream.ID(userID), 1); len(records) != 0 || len(resp.BatchItemFailures) != 0 || len(dead.sent) != 0 {
		t.Errorf("%d suppressions, %v, %d dead letters", len(records), resp, len(dead.sent))
	}
}

func TestWhatCanNeverBeReadIsDeadLetteredWithItsReason(t *testing.T) {
	untagged := mail("")
	delete(untagged["tags"].(map[string][]string), contract.MailTagUserID)
	for name, msg := range map[string]lambdaevents.SQSMessage{
		"not JSON":        {MessageId: "m-1", Body: "{"},
		"not SES's":       {MessageId: "m-2", Body: `{"source":"eventshop.user","detail":{}}`},
		"a mail untagged": sesMessage(t, map[string]any{"eventType": "Complaint", "mail": untagged}),
	} {
		t.Run(name, func(t *testing.T) {
			r, _, dead, _ := newReader()
			resp, _ := r.Handle(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
			if len(resp.BatchItemFailures) != 0 || len(dead.sent) != 1 || *dead.sent[0].MessageAttributes[dlq.AttrReason].StringValue == "" {
				t.Errorf("%v, %d dead letters", resp, len(dead.sent))
			}
		})
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Bounces, setup)
}
