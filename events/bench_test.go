package events_test

import (
	"encoding/json"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
)

// The two benchmarks below are the parts of a consumer's warm path that
// belong to events; make bench sets them beside the whole of it.

// BenchmarkFromSQS reads one user.registered envelope from an SQS message
// as EventBridge delivers it: decode, validate envelope and payload.
func BenchmarkFromSQS(b *testing.B) {
	var msg lambdaevents.SQSMessage
	if err := json.Unmarshal(readFile(b, "sqs-message.json"), &msg); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := events.FromSQS(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew builds and validates the notification.sent a notification
// consumer records for each mail.
func BenchmarkNew(b *testing.B) {
	sent := events.NotificationSent{Template: "welcome", UserID: uuid.NewString(), Subject: "Welcome to eventshop, Ada", MessageID: "0100018f-abcd"}
	meta := events.Metadata{CorrelationID: uuid.NewString(), CausationID: uuid.NewString()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := events.New(sent, meta); err != nil {
			b.Fatal(err)
		}
	}
}
