package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/keyring"
)

// stubMailer is the in-process mail service of the benchmarks: it accepts
// every mail at once, as both handlers call it the same way.
type stubMailer struct{ sent atomic.Int64 }

func (m *stubMailer) Send(context.Context, Mail) (string, error) {
	m.sent.Add(1)
	return "stub", nil
}

// batches returns n batches of 10 SQS messages, each carrying a distinct
// user.registered event as EventBridge delivers it, for one of 10 users
// whose data keys keys holds; clear writes the contact in clear instead,
// as version 1 did, for the baseline.
func batches(b *testing.B, n int, keys *keyring.Memory, clear bool) []lambdaevents.SQSEvent {
	b.Helper()
	raw, err := os.ReadFile("../../events/testdata/sqs-message.json")
	if err != nil {
		b.Fatal(err)
	}
	var template lambdaevents.SQSMessage
	if err := json.Unmarshal(raw, &template); err != nil {
		b.Fatal(err)
	}
	users := make([]events.UserRegistered, 10)
	contacts := make([]events.Contact, 10)
	for j := range users {
		key, err := keys.New(context.Background(), uuid.NewString())
		if err != nil {
			b.Fatal(err)
		}
		keys.Keep(key)
		contacts[j] = events.Contact{Email: fmt.Sprintf("user%d@example.com", j), Name: "Bench Mark"}
		sealed, err := keyring.Seal(key, contacts[j])
		if err != nil {
			b.Fatal(err)
		}
		users[j] = events.UserRegistered{UserID: key.Subject(), Contact: sealed}
	}
	out := make([]lambdaevents.SQSEvent, n)
	for i := range out {
		for j := range 10 {
			env, err := events.New(users[j], events.Metadata{CorrelationID: uuid.NewString(), CausationID: uuid.NewString()})
			if err != nil {
				b.Fatal(err)
			}
			if clear {
				env.EventVersion = 1
				env.Data, _ = json.Marshal(events.UserRegisteredV1{UserID: users[j].UserID, Email: contacts[j].Email, Name: contacts[j].Name})
			}
			detail, _ := json.Marshal(env)
			body, _ := json.Marshal(map[string]any{"version": "0", "id": uuid.NewString(), "detail-type": env.EventType,
				"source": env.Source, "account": "000000000000", "time": time.Now().UTC(), "region": "us-east-1", "resources": []string{}, "detail": json.RawMessage(detail)})
			msg := template
			msg.MessageId, msg.Body = uuid.NewString(), string(body)
			out[i].Records = append(out[i].Records, msg)
		}
	}
	return out
}

// BenchmarkNotificationConsumer is the notification function's warm path
// for a batch of 10: decode and validate each envelope, claim it in the
// idempotency store, open the recipient's sealed contact (with the data
// key in memory: KMS's round trip, once per person per invocation, is not
// in it), render the welcome mail, send it, record notification.sent, log
// one line and count it.
func BenchmarkNotificationConsumer(b *testing.B) {
	keys := keyring.NewMemory()
	work := batches(b, b.N, keys, false)
	mailer := &stubMailer{}
	c := &consumer.Consumer{Name: "notification", Idempotency: idempotency.NewMemory(), Lease: 10 * time.Second, Keep: time.Hour,
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: metrics.New(io.Discard, "notification")}
	n := &Notifier{mail: mailer, events: eventstore.NewMemory(), keys: keys, resetURL: "https://shop.example/reset", metrics: metrics.New(io.Discard, "notification")}
	serve := c.Handler(n.Routes().Handle)
	handle := func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		return serve(keyring.WithCache(ctx), ev)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		resp, err := handle(ctx, work[i])
		if err != nil || len(resp.BatchItemFailures) != 0 {
			b.Fatalf("batch failed: %v %v", err, resp.BatchItemFailures)
		}
	}
	b.StopTimer()
	perMessage(b, mailer)
}

// BenchmarkBareHandler is the baseline: a handler written directly on
// aws-lambda-go's types that reads each message's event, its contact in
// clear, and makes the same mail call, and nothing else — no validation,
// no idempotency, no sealing, no record.
func BenchmarkBareHandler(b *testing.B) {
	work := batches(b, b.N, keyring.NewMemory(), true)
	mailer := &stubMailer{}
	handle := func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		var resp lambdaevents.SQSEventResponse
		for _, msg := range ev.Records {
			var eb lambdaevents.EventBridgeEvent
			var env struct {
				Data events.UserRegisteredV1 `json:"data"`
			}
			if json.Unmarshal([]byte(msg.Body), &eb) != nil || json.Unmarshal(eb.Detail, &env) != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
				continue
			}
			p := env.Data
			to := events.Contact{Email: p.Email, Name: p.Name}
			if _, err := mailer.Send(ctx, welcomeMail(events.UserRegistered{UserID: p.UserID}, to)); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		return resp, nil
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		resp, _ := handle(ctx, work[i])
		if len(resp.BatchItemFailures) != 0 {
			b.Fatal("batch failed")
		}
	}
	b.StopTimer()
	perMessage(b, mailer)
}

// perMessage reports the cost of one message, a tenth of a batch.
func perMessage(b *testing.B, mailer *stubMailer) {
	if n := mailer.sent.Load(); n != int64(10*b.N) {
		b.Fatalf("sent %d mails for %d messages", n, 10*b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(10*b.N), "ns/message")
}

// BenchmarkOpenContact is what sealing adds to a message once its
// recipient's key is read: AES-256-GCM open of the contact and its JSON.
func BenchmarkOpenContact(b *testing.B) {
	keys := keyring.NewMemory()
	key, _ := keys.New(context.Background(), uuid.NewString())
	keys.Keep(key)
	sealed, err := keyring.Seal(key, events.Contact{Email: "ada@example.com", Name: "Ada Lovelace"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := keyring.WithCache(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := keyring.Open(ctx, keys, sealed); err != nil {
			b.Fatal(err)
		}
	}
}
