package events_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
)

// BenchmarkNew is the part of a consumer's warm path that belongs to
// events; make bench sets it beside the whole of it, with
// eventbus.BenchmarkDecode.

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
