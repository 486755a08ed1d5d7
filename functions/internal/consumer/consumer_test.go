package consumer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// fakeSQS records what the consumer asks of SQS.
type fakeSQS struct {
	mu          sync.Mutex
	deadLetters []*sqs.SendMessageInput
	visibility  map[string]int32 // by receipt handle
	sendErr     error
}

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return nil, f.sendErr
	}
	f.deadLetters = append(f.deadLetters, in)
	return &sqs.SendMessageOutput{}, nil
}

func (f *fakeSQS) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.visibility == nil {
		f.visibility = map[string]int32{}
	}
	f.visibility[aws.ToString(in.ReceiptHandle)] = in.VisibilityTimeout
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func (f *fakeSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://sqs/" + aws.ToString(in.QueueName))}, nil
}

func (f *fakeSQS) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	return nil, errors.New("not used")
}

func (f *fakeSQS) DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	return nil, errors.New("not used")
}

func (f *fakeSQS) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return nil, errors.New("not used")
}

func message(t *testing.T, id string, receives int, edit func(string) string) lambdaevents.SQSMessage {
	t.Helper()
	raw, err := os.ReadFile("../../../events/testdata/sqs-message.json")
	if err != nil {
		t.Fatal(err)
	}
	var m lambdaevents.SQSMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m.MessageId, m.ReceiptHandle = id, "receipt-"+id
	m.Attributes["ApproximateReceiveCount"] = fmt.Sprint(receives)
	if edit != nil {
		m.Body = edit(m.Body)
	}
	return m
}

func newConsumer(q *fakeSQS, log *bytes.Buffer) *consumer.Consumer {
	return &consumer.Consumer{
		Name: "test", Idempotency: idempotency.NewMemory(), Lease: time.Minute, Keep: time.Hour,
		SQS: q, DLQURL: "https://sqs/test-dlq", MaxReceiveCount: 5,
		Backoff: func(n int) time.Duration { return time.Duration(n*10) * time.Second },
		Log:     slog.New(slog.NewJSONHandler(log, nil)),
	}
}

func deliver(t *testing.T, c *consumer.Consumer, handle consumer.Handle, msgs ...lambdaevents.SQSMessage) []string {
	t.Helper()
	resp, err := c.Handler(handle)(context.Background(), lambdaevents.SQSEvent{Records: msgs})
	if err != nil {
		t.Fatalf("the handler failed the whole batch: %v", err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed
}

func TestAnEventIsHandledOnceHoweverOftenItIsDelivered(t *testing.T) {
	q, log := &fakeSQS{}, &bytes.Buffer{}
	c := newConsumer(q, log)
	calls := 0
	handle := func(context.Context, events.Envelope) error { calls++; return nil }
	// The same envelope in two messages, as a second publish produces.
	for _, id := range []string{"a", "b"} {
		if failed := deliver(t, c, handle, message(t, id, 1, nil)); len(failed) != 0 {
			t.Fatalf("failed = %v", failed)
		}
	}
	if failed := deliver(t, c, handle, message(t, "a", 2, nil)); len(failed) != 0 {
		t.Fatalf("failed = %v", failed)
	}
	if calls != 1 {
		t.Errorf("handled %d times, want 1", calls)
	}
	if !strings.Contains(log.String(), `"outcome":"duplicate"`) {
		t.Errorf("log does not say duplicate:\n%s", log)
	}
}

func TestATransientFailureIsRetriedLaterAndTheClaimReleased(t *testing.T) {
	q := &fakeSQS{}
	c := newConsumer(q, &bytes.Buffer{})
	fail := true
	calls := 0
	handle := func(context.Context, events.Envelope) error {
		calls++
		if fail {
			return &smithy.GenericAPIError{Code: "TooManyRequestsException", Fault: smithy.FaultClient}
		}
		return nil
	}
	if failed := deliver(t, c, handle, message(t, "a", 2, nil)); len(failed) != 1 {
		t.Fatalf("failed = %v, want the message", failed)
	}
	if q.visibility["receipt-a"] != 20 {
		t.Errorf("visibility = %v, want the backoff of a second receive", q.visibility)
	}
	if len(q.deadLetters) != 0 {
		t.Error("a transient failure was dead-lettered")
	}
	fail = false
	if failed := deliver(t, c, handle, message(t, "a", 3, nil)); len(failed) != 0 || calls != 2 {
		t.Errorf("retry: failed %v after %d calls", failed, calls)
	}
}

func TestTheLastAllowedFailureDeadLettersWithTheReason(t *testing.T) {
	q := &fakeSQS{}
	c := newConsumer(q, &bytes.Buffer{})
	handle := func(context.Context, events.Envelope) error { return errors.New("ses: connection reset") }
	if failed := deliver(t, c, handle, message(t, "a", 5, nil)); len(failed) != 0 {
		t.Fatalf("failed = %v, want the message dead-lettered and acknowledged", failed)
	}
	if len(q.deadLetters) != 1 {
		t.Fatalf("%d dead letters", len(q.deadLetters))
	}
	reason := aws.ToString(q.deadLetters[0].MessageAttributes[dlq.AttrReason].StringValue)
	if !strings.Contains(reason, "failed 5 times") || !strings.Contains(reason, "connection reset") {
		t.Errorf("reason = %q", reason)
	}
}

func TestWhatCanNeverSucceedIsDeadLetteredAtOnce(t *testing.T) {
	tests := []struct {
		name   string
		msg    func(t *testing.T) lambdaevents.SQSMessage
		handle consumer.Handle
		reason string
	}{
		{"a body that is not an event", func(t *testing.T) lambdaevents.SQSMessage {
			return message(t, "a", 1, func(string) string { return "hello" })
		}, nil, "not an EventBridge event"},
		{"an invalid envelope", func(t *testing.T) lambdaevents.SQSMessage {
			return message(t, "a", 1, func(b string) string { return strings.Replace(b, "ada@example.com", "ada", 1) })
		}, nil, "data.email"},
		{"an unknown version", func(t *testing.T) lambdaevents.SQSMessage {
			return message(t, "a", 1, func(b string) string { return strings.Replace(b, `"eventVersion":1`, `"eventVersion":9`, 1) })
		}, nil, "unknown event version"},
		{"a handler's permanent error", func(t *testing.T) lambdaevents.SQSMessage { return message(t, "a", 1, nil) },
			func(context.Context, events.Envelope) error {
				return consumer.Permanent(errors.New("no such template"))
			}, "no such template"},
		{"an address the mail service rejects", func(t *testing.T) lambdaevents.SQSMessage { return message(t, "a", 1, nil) },
			func(context.Context, events.Envelope) error {
				return fmt.Errorf("send: %w", &smithy.GenericAPIError{Code: "MessageRejected", Message: "address blocked", Fault: smithy.FaultClient})
			}, "MessageRejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeSQS{}
			handle := tt.handle
			if handle == nil {
				handle = func(context.Context, events.Envelope) error { t.Error("handled"); return nil }
			}
			if failed := deliver(t, newConsumer(q, &bytes.Buffer{}), handle, tt.msg(t)); len(failed) != 0 {
				t.Fatalf("failed = %v", failed)
			}
			if len(q.deadLetters) != 1 || !strings.Contains(aws.ToString(q.deadLetters[0].MessageAttributes[dlq.AttrReason].StringValue), tt.reason) {
				t.Errorf("dead letters = %+v", q.deadLetters)
			}
		})
	}
}

func TestAMessageIsNotAcknowledgedIfItCannotBeDeadLettered(t *testing.T) {
	q := &fakeSQS{sendErr: errors.New("queue unreachable")}
	msg := message(t, "a", 1, func(string) string { return "hello" })
	if failed := deliver(t, newConsumer(q, &bytes.Buffer{}), nil, msg); len(failed) != 1 {
		t.Errorf("failed = %v, want the message kept", failed)
	}
}

func TestUnknownEventTypesAreSkipped(t *testing.T) {
	q := &fakeSQS{}
	msg := message(t, "a", 1, func(b string) string { return strings.ReplaceAll(b, "user.registered", "user.teleported") })
	if failed := deliver(t, newConsumer(q, &bytes.Buffer{}), nil, msg); len(failed) != 0 || len(q.deadLetters) != 0 {
		t.Errorf("failed = %v, dead letters %d", failed, len(q.deadLetters))
	}
}

func TestTheSameEventTwiceInOneBatchIsHandledOnce(t *testing.T) {
	c := newConsumer(&fakeSQS{}, &bytes.Buffer{})
	var calls atomic.Int32
	handle := func(context.Context, events.Envelope) error {
		calls.Add(1)
		time.Sleep(10 * time.Millisecond)
		return nil
	}
	failed := deliver(t, c, handle, message(t, "a", 1, nil), message(t, "b", 1, nil))
	if calls.Load() != 1 {
		t.Errorf("handled %d times", calls.Load())
	}
	// The copy that met the live claim comes back later, and is a duplicate then.
	if len(failed) != 1 {
		t.Fatalf("failed = %v, want the copy that met the claim", failed)
	}
	if again := deliver(t, c, handle, message(t, failed[0], 2, nil)); len(again) != 0 || calls.Load() != 1 {
		t.Errorf("redelivered: failed %v after %d calls", again, calls.Load())
	}
}

func TestADeliveryThatOverlapsALiveClaimWaits(t *testing.T) {
	q := &fakeSQS{}
	c := newConsumer(q, &bytes.Buffer{})
	env, _ := events.FromSQS(message(t, "a", 1, nil))
	if _, err := c.Idempotency.Begin(context.Background(), "test#"+env.EventID, time.Minute); err != nil {
		t.Fatal(err)
	}
	handle := func(context.Context, events.Envelope) error { t.Error("handled while claimed"); return nil }
	if failed := deliver(t, c, handle, message(t, "a", 1, nil)); len(failed) != 1 {
		t.Errorf("failed = %v", failed)
	}
}

func TestIsPermanentSeparatesWhatRetriesCanCure(t *testing.T) {
	tests := []struct {
		err       error
		permanent bool
	}{
		{errors.New("connection reset"), false},
		{&smithy.GenericAPIError{Code: "ThrottlingException", Fault: smithy.FaultClient}, false},
		{&smithy.GenericAPIError{Code: "TooManyRequestsException", Fault: smithy.FaultClient}, false},
		{&smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}, false},
		{&smithy.GenericAPIError{Code: "MessageRejected", Fault: smithy.FaultClient}, true},
		{consumer.Permanent(errors.New("x")), true},
		{fmt.Errorf("wrapped: %w", events.ErrInvalid), true},
	}
	for _, tt := range tests {
		if got := consumer.IsPermanent(tt.err); got != tt.permanent {
			t.Errorf("IsPermanent(%v) = %v", tt.err, got)
		}
	}
}

func TestExponentialBackoffGrowsWithinItsBounds(t *testing.T) {
	b := consumer.ExponentialBackoff(2*time.Second, 60*time.Second)
	for n, want := range map[int][2]time.Duration{1: {time.Second, 2 * time.Second}, 3: {4 * time.Second, 8 * time.Second}, 10: {30 * time.Second, 60 * time.Second}} {
		for range 50 {
			if d := b(n); d < want[0] || d > want[1] || d%time.Second != 0 {
				t.Fatalf("backoff(%d) = %v, want whole seconds in %v", n, d, want)
			}
		}
	}
}

func TestEveryOutcomeIsCountedByConsumerAndEventType(t *testing.T) {
	var out bytes.Buffer
	c := newConsumer(&fakeSQS{}, &bytes.Buffer{})
	c.Metrics = metrics.New(&out, "test")
	fail := errors.New("throttled")
	calls := 0
	handle := func(context.Context, events.Envelope) error {
		calls++
		if calls == 1 {
			return fail
		}
		return nil
	}
	deliver(t, c, handle, message(t, "a", 1, nil))                                           // retried
	deliver(t, c, handle, message(t, "a", 2, nil))                                           // consumed
	deliver(t, c, handle, message(t, "a", 3, nil))                                           // a duplicate
	deliver(t, c, handle, message(t, "b", 1, func(string) string { return "not an event" })) // dead-lettered
	got := out.String()
	for _, want := range []string{`"EventsRetried":1`, `"EventsConsumed":1`, `"ProcessingLag":`, `"EventsDuplicated":1`,
		`"EventsDeadLettered":1`, `"EventType":"(unreadable)"`, `"Consumer":"test"`, `"EventType":"user.registered"`} {
		if !strings.Contains(got, want) {
			t.Errorf("metrics lack %s:\n%s", want, got)
		}
	}
}
