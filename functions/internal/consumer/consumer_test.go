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

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/eventbus/delivered"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/boot"
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
	urlLookups  int
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
	f.mu.Lock()
	f.urlLookups++
	f.mu.Unlock()
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://sqs/" + aws.ToString(in.QueueName))}, nil
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
	handle := func(context.Context, events.Envelope) (consumer.Result, error) {
		calls++
		return consumer.Result{Effect: "sent msg-1"}, nil
	}
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
	if !strings.Contains(log.String(), `"outcome":"duplicate"`) || !strings.Contains(log.String(), `"first_result":"sent msg-1"`) {
		t.Errorf("log does not say duplicate of what the first delivery did:\n%s", log)
	}
}

func TestTheKeyIsTheEnvelopesEventIDNotEventBridgesID(t *testing.T) {
	// EventBridge gives every put its own id; a publisher that puts the
	// same envelope twice (the relay after a crash, say) makes two.
	const ebID = `"id":"e4f1d6a2-9b3c-4d5e-8f70-1a2b3c4d5e6f"`
	const eventID = `"eventId":"0b7e6f38-2b1d-4c47-9f3e-5d0c2a9f61aa"`
	replace := func(old, new string) func(string) string {
		return func(b string) string {
			if !strings.Contains(b, old) {
				t.Fatalf("the sample message lacks %s", old)
			}
			return strings.Replace(b, old, new, 1)
		}
	}
	tests := []struct {
		name  string
		twice lambdaevents.SQSMessage
		calls int
	}{
		{"the same envelope under another EventBridge id is handled once",
			message(t, "b", 1, replace(ebID, `"id":"11111111-2222-4333-8444-555555555555"`)), 1},
		{"another envelope under the same EventBridge id is handled too",
			message(t, "b", 1, replace(eventID, `"eventId":"6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"`)), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConsumer(&fakeSQS{}, &bytes.Buffer{})
			calls := 0
			handle := func(context.Context, events.Envelope) (consumer.Result, error) {
				calls++
				return consumer.Result{Effect: "sent"}, nil
			}
			if failed := deliver(t, c, handle, message(t, "a", 1, nil)); len(failed) != 0 {
				t.Fatalf("failed = %v", failed)
			}
			if failed := deliver(t, c, handle, tt.twice); len(failed) != 0 {
				t.Fatalf("failed = %v", failed)
			}
			if calls != tt.calls {
				t.Errorf("handled %d times, want %d", calls, tt.calls)
			}
		})
	}
}

func TestAFailedFollowUpNeverRedoesTheEffectButIsReportedAsAnError(t *testing.T) {
	tests := []struct {
		name     string
		followUp error
	}{
		{"a transient failure", errors.New("record mail: throttled")},
		{"a failure that would be permanent on its own", consumer.Permanent(errors.New("record mail: invalid"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, log, out := &fakeSQS{}, &bytes.Buffer{}, &bytes.Buffer{}
			c := newConsumer(q, log)
			c.Metrics = metrics.New(out, "test")
			calls := 0
			handle := func(context.Context, events.Envelope) (consumer.Result, error) {
				calls++
				return consumer.Result{Effect: "msg-1"}, fmt.Errorf("welcome mail sent: %w", consumer.AfterEffect(tt.followUp))
			}
			if failed := deliver(t, c, handle, message(t, "a", 1, nil)); len(failed) != 0 {
				t.Fatalf("failed = %v, want the message acknowledged", failed)
			}
			if len(q.deadLetters) != 0 || len(q.visibility) != 0 {
				t.Errorf("dead letters %d, visibility changes %v", len(q.deadLetters), q.visibility)
			}
			var line map[string]any
			if err := json.Unmarshal(bytes.SplitN(log.Bytes(), []byte("\n"), 2)[0], &line); err != nil {
				t.Fatal(err)
			}
			if line["level"] != "ERROR" || line["outcome"] != "follow-up-failed" || !strings.Contains(fmt.Sprint(line["error"]), "record mail") {
				t.Errorf("log line = %v", line)
			}
			if !strings.Contains(out.String(), `"FollowUpsFailed":1`) || !strings.Contains(out.String(), `"EventsConsumed":1`) {
				t.Errorf("metrics:\n%s", out)
			}
			// Every later delivery of the event finds it done, with its result.
			if failed := deliver(t, c, handle, message(t, "a", 2, nil)); len(failed) != 0 || calls != 1 {
				t.Errorf("redelivered: failed %v after %d calls", failed, calls)
			}
			if !strings.Contains(log.String(), `"first_result":"msg-1"`) {
				t.Errorf("the duplicate does not name the first result:\n%s", log)
			}
		})
	}
}

func TestASkippedEventIsRememberedWithItsResultOrAsSkipped(t *testing.T) {
	for result, want := range map[string]string{"": "skipped", "mailed before as msg-0": "mailed before as msg-0"} {
		t.Run("a skip with result "+want, func(t *testing.T) {
			c := newConsumer(&fakeSQS{}, &bytes.Buffer{})
			handle := func(context.Context, events.Envelope) (consumer.Result, error) {
				return consumer.Result{Effect: result}, fmt.Errorf("%w: nothing to mail", consumer.ErrSkip)
			}
			deliver(t, c, handle, message(t, "a", 1, nil))
			env, _ := delivered.Decode([]byte(message(t, "a", 1, nil).Body))
			claim, err := c.Idempotency.Begin(context.Background(), "test#"+env.EventID, time.Minute)
			if err != nil || claim.State != idempotency.Done || claim.Result != want {
				t.Errorf("claim = %+v, %v; want done with %q", claim, err, want)
			}
		})
	}
}

func TestATransientFailureIsRetriedLaterAndTheClaimReleased(t *testing.T) {
	q := &fakeSQS{}
	c := newConsumer(q, &bytes.Buffer{})
	fail := true
	calls := 0
	handle := func(context.Context, events.Envelope) (consumer.Result, error) {
		calls++
		if fail {
			return consumer.Result{}, &smithy.GenericAPIError{Code: "TooManyRequestsException", Fault: smithy.FaultClient}
		}
		return consumer.Result{Effect: "sent"}, nil
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
	handle := func(context.Context, events.Envelope) (consumer.Result, error) {
		return consumer.Result{}, errors.New("ses: connection reset")
	}
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
			func(context.Context, events.Envelope) (consumer.Result, error) {
				return consumer.Result{}, consumer.Permanent(errors.New("no such template"))
			}, "no such template"},
		{"an address the mail service rejects", func(t *testing.T) lambdaevents.SQSMessage { return message(t, "a", 1, nil) },
			func(context.Context, events.Envelope) (consumer.Result, error) {
				return consumer.Result{}, fmt.Errorf("send: %w", &smithy.GenericAPIError{Code: "MessageRejected", Message: "address blocked", Fault: smithy.FaultClient})
			}, "MessageRejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &fakeSQS{}
			handle := tt.handle
			if handle == nil {
				handle = func(context.Context, events.Envelope) (consumer.Result, error) {
					t.Error("handled")
					return consumer.Result{Effect: "sent"}, nil
				}
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
	handle := func(context.Context, events.Envelope) (consumer.Result, error) {
		calls.Add(1)
		time.Sleep(10 * time.Millisecond)
		return consumer.Result{Effect: "sent"}, nil
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
	env, _ := delivered.Decode([]byte(message(t, "a", 1, nil).Body))
	if _, err := c.Idempotency.Begin(context.Background(), "test#"+env.EventID, time.Minute); err != nil {
		t.Fatal(err)
	}
	handle := func(context.Context, events.Envelope) (consumer.Result, error) {
		t.Error("handled while claimed")
		return consumer.Result{Effect: "sent"}, nil
	}
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

func TestVisibilityBackoffGrowsWithinItsBounds(t *testing.T) {
	b := consumer.VisibilityBackoff(2*time.Second, 60*time.Second)
	for n, want := range map[int][2]time.Duration{1: {time.Second, 2 * time.Second}, 3: {4 * time.Second, 8 * time.Second}, 10: {30 * time.Second, 60 * time.Second}} {
		for range 50 {
			if d := b(n); d < want[0] || d > want[1] || d%time.Second != 0 {
				t.Fatalf("backoff(%d) = %v, want whole seconds in %v", n, d, want)
			}
		}
	}
}

func TestVisibilityBackoffIsJittered(t *testing.T) {
	// Messages that failed together must not all come back at the same
	// second: at n=3 a base of 2 s allows 4 to 8 s.
	b := consumer.VisibilityBackoff(2*time.Second, 60*time.Second)
	for _, n := range []int{3, 10} {
		seen := map[time.Duration]bool{}
		for range 200 {
			seen[b(n)] = true
		}
		if len(seen) < 3 {
			t.Errorf("backoff(%d) took %d distinct values in 200 draws: %v", n, len(seen), seen)
		}
	}
}

func TestEveryOutcomeIsCountedByConsumerAndEventType(t *testing.T) {
	var out bytes.Buffer
	c := newConsumer(&fakeSQS{}, &bytes.Buffer{})
	c.Metrics = metrics.New(&out, "test")
	fail := errors.New("throttled")
	calls := 0
	handle := func(context.Context, events.Envelope) (consumer.Result, error) {
		calls++
		if calls == 1 {
			return consumer.Result{}, fail
		}
		return consumer.Result{Effect: "sent"}, nil
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

func TestAConsumerMustHandleEveryTypeItIsSubscribedTo(t *testing.T) {
	s := boot.Setup{Function: contract.Notification, AWS: aws.Config{}}
	env, err := boot.ReadEnv(contract.Notification, func(name string) string { return contract.Var(name).Example() })
	if err != nil {
		t.Fatal(err)
	}
	s.Env = env
	c := consumer.New(s)
	welcome := consumer.On(func(context.Context, events.UserRegistered, events.Envelope) (consumer.Result, error) {
		return consumer.Result{}, nil
	})
	_, err = c.Serve(consumer.Route(welcome))
	if err == nil || !strings.Contains(err.Error(), events.TypeUserPasswordReset) {
		t.Errorf("err = %v, want one naming a subscribed type without a handler", err)
	}
}

func TestRoutesDecodeThePayloadAndSkipTypesWithoutAHandler(t *testing.T) {
	var got events.UserRegistered
	r := consumer.Route(consumer.On(func(_ context.Context, p events.UserRegistered, _ events.Envelope) (consumer.Result, error) {
		got = p
		return consumer.Result{Effect: "ok"}, nil
	}))
	env, _ := delivered.Decode([]byte(message(t, "a", 1, nil).Body))
	if res, err := r.Handle(context.Background(), env); err != nil || res.Effect != "ok" || got.Contact.Legacy == nil || got.Contact.Legacy.Email != "ada@example.com" {
		t.Errorf("result %+v, err %v, payload %+v", res, err, got)
	}
	env.EventType = events.TypeOrderCancelled
	if _, err := r.Handle(context.Background(), env); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("err = %v, want a skip", err)
	}
	if r.Types()[0] != events.TypeUserRegistered || len(r.Types()) != 1 {
		t.Errorf("types = %v", r.Types())
	}
}

func TestTheQueueIsLookedUpOnceForTheLifeOfTheFunction(t *testing.T) {
	q := &fakeSQS{}
	c := newConsumer(q, &bytes.Buffer{})
	fail := func(context.Context, events.Envelope) (consumer.Result, error) {
		return consumer.Result{}, errors.New("throttled")
	}
	for i := range 3 {
		deliver(t, c, fail, message(t, fmt.Sprint("m", i), 1, nil))
	}
	if q.urlLookups != 1 || len(q.visibility) != 3 {
		t.Errorf("%d GetQueueUrl calls for 3 batches with a retry each, %d visibility changes; want 1 and 3", q.urlLookups, len(q.visibility))
	}
}
