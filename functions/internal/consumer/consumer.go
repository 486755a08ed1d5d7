package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// ErrSkip means the consumer has nothing to do for the event: it is
// acknowledged, not retried.
var ErrSkip = errors.New("nothing to do for this event")

// Handle handles one event and returns the result of its effect: a short
// text, free of personal data, that the consumer remembers with the event
// and logs as first_result when a duplicate comes, such as the id a mail
// service gave a mail. With the result, it returns
//
//   - nil when the effect is done;
//   - an error wrapping ErrSkip when there is none to do;
//   - AfterEffect(err) when the effect is done but a follow-up to it
//     failed: the event is not handled again;
//   - a Permanent error when the event can never be handled;
//   - any other error, meaning that the effect did not happen, to have
//     the event delivered again later.
type Handle func(ctx context.Context, env events.Envelope) (result string, err error)

// Idempotency records which events were handled; idempotency.Store states
// the contract in full. Begin claims a key for a lease unless it is done
// (the Claim carries the result) or claimed by someone else; Complete
// records a key's result for at least keep; Release gives up a claim so
// that a retry may take it at once, and leaves a done key done. Of
// concurrent Begins on a key at most one claims it. Implementations are
// safe for concurrent use.
type Idempotency interface {
	Begin(ctx context.Context, key string, lease time.Duration) (idempotency.Claim, error)
	Complete(ctx context.Context, key, result string, keep time.Duration) error
	Release(ctx context.Context, key string) error
}

var (
	_ Idempotency = (*idempotency.Dynamo)(nil)
	_ Idempotency = (*idempotency.Memory)(nil)
)

// SQS is the part of the SQS client the consumer uses.
type SQS interface {
	dlq.SQS
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
}

// Consumer delivers each event of an SQS queue to a Handle once, whatever
// the infrastructure does: it deduplicates on the envelope's eventId,
// backs off before a retry, and dead-letters with the reason what can
// never succeed. Nothing is acknowledged before it was handled or
// dead-lettered.
type Consumer struct {
	// Name names the consumer in idempotency keys: the same event is
	// handled once by each consumer.
	Name string
	// Idempotency records handled events; nil handles every delivery.
	Idempotency Idempotency
	// Lease is how long a claim on an event lasts: the function's timeout,
	// so that the claim of a crashed attempt runs out before a retry.
	Lease time.Duration
	// Keep is how long handled events are remembered.
	Keep time.Duration
	// SQS changes visibility and dead-letters.
	SQS SQS
	// DLQURL is the queue's dead-letter queue.
	DLQURL string
	// MaxReceiveCount is the queue's: the last failing delivery
	// dead-letters the message itself, with the reason.
	MaxReceiveCount int
	// Backoff says how long a message whose delivery failed for the nth
	// time stays invisible before the next.
	Backoff func(n int) time.Duration
	Log     *slog.Logger
	// Metrics counts outcomes and the lag from an event's time to its
	// handling, by consumer and event type.
	Metrics *metrics.Emitter

	queueURLs sync.Map // by queue ARN
}

// Handler returns the Lambda handler of an SQS batch. Messages that are
// to be delivered again are reported as batch item failures; every other
// message was handled (perhaps with a failed follow-up), skipped, found to
// be a duplicate or dead-lettered.
func (c *Consumer) Handler(handle Handle) func(context.Context, lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		// The messages of a batch are independent — a standard queue has
		// no order — and their handling waits on the network, so they are
		// handled at once rather than one after another.
		acked := make([]bool, len(ev.Records))
		t := tally{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i, msg := range ev.Records {
			wg.Go(func() {
				local := tally{}
				acked[i] = c.deliver(ctx, handle, msg, local)
				mu.Lock()
				t.merge(local)
				mu.Unlock()
			})
		}
		wg.Wait()
		var resp lambdaevents.SQSEventResponse
		for i, msg := range ev.Records {
			if !acked[i] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		c.emit(t)
		return resp, nil
	}
}

// Outcomes of a delivery, as logged.
const (
	outcomeProcessed      = "processed"
	outcomeFollowUpFailed = "follow-up-failed" // processed, but see AfterEffect
	outcomeSkipped        = "skipped"
	outcomeDuplicate      = "duplicate"
	outcomeRetry          = "retry"
	outcomeDeadLettered   = "dead-lettered"
)

// deliver handles one message and says whether it may be acknowledged.
func (c *Consumer) deliver(ctx context.Context, handle Handle, msg lambdaevents.SQSMessage, t tally) (ack bool) {
	line := &outcome{}
	ctx = context.WithValue(ctx, outcomeKey{}, line)
	receives, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
	env, err := events.FromSQS(msg)
	defer func() {
		c.log(ctx, msg, env, receives, line)
		t.count(env, line.result)
	}()

	switch {
	case errors.Is(err, events.ErrUnknownType):
		line.set(outcomeSkipped, err)
		return true
	case err != nil:
		return c.deadLetter(ctx, msg, line, err)
	}

	key := c.Name + "#" + env.EventID
	if c.Idempotency != nil {
		claim, err := c.Idempotency.Begin(ctx, key, c.Lease)
		switch {
		case err != nil:
			return c.retry(ctx, msg, receives, line, fmt.Errorf("claim: %w", err))
		case claim.State == idempotency.Done:
			line.set(outcomeDuplicate, nil)
			line.add(slog.String("first_result", claim.Result))
			return true
		case claim.State == idempotency.Busy:
			return c.retry(ctx, msg, receives, line, errors.New("another delivery of the event is being handled"))
		}
	}

	result, err := handle(ctx, env)
	if done := doneOutcome(err); done != "" {
		line.set(done, err)
		if result == "" {
			result = done
		}
		if c.Idempotency != nil {
			// The effect happened: acknowledge even if recording it fails,
			// rather than redeliver and do it twice.
			if err := c.Idempotency.Complete(ctx, key, result, c.Keep); err != nil {
				line.add(slog.String("idempotency_error", err.Error()))
			}
		}
		return true
	}
	if c.Idempotency != nil {
		if rerr := c.Idempotency.Release(ctx, key); rerr != nil {
			line.add(slog.String("idempotency_error", rerr.Error()))
		}
	}
	if IsPermanent(err) {
		return c.deadLetter(ctx, msg, line, err)
	}
	return c.retry(ctx, msg, receives, line, err)
}

// doneOutcome says how a handler's error ends the event for good: as
// processed, processed with a failed follow-up, or skipped. It returns ""
// when the effect did not happen.
func doneOutcome(err error) string {
	var after afterEffectError
	switch {
	case err == nil:
		return outcomeProcessed
	case errors.As(err, &after):
		// Before ErrSkip and Permanent: whatever the follow-up's error
		// wraps, the effect is done.
		return outcomeFollowUpFailed
	case errors.Is(err, ErrSkip):
		return outcomeSkipped
	}
	return ""
}

// retry leaves the message for a later delivery, invisible for a backoff
// that grows with its receives — unless this was the last receive the
// queue allows, in which case it dead-letters the message with the reason.
func (c *Consumer) retry(ctx context.Context, msg lambdaevents.SQSMessage, receives int, line *outcome, cause error) bool {
	if c.MaxReceiveCount > 0 && receives >= c.MaxReceiveCount {
		return c.deadLetter(ctx, msg, line, fmt.Errorf("failed %d times, the last: %w", receives, cause))
	}
	line.set(outcomeRetry, cause)
	if c.SQS == nil || c.Backoff == nil {
		return false
	}
	wait := c.Backoff(max(receives, 1))
	line.add(slog.Float64("retry_in_s", wait.Seconds()))
	url, err := c.queueURL(ctx, msg.EventSourceARN)
	if err == nil {
		_, err = c.SQS.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(url), ReceiptHandle: aws.String(msg.ReceiptHandle), VisibilityTimeout: int32(wait.Seconds()),
		})
	}
	if err != nil {
		// The queue's own visibility timeout applies instead.
		line.add(slog.String("visibility_error", err.Error()))
	}
	return false
}

// deadLetter moves the message to the dead-letter queue with the reason,
// and says whether that worked: only then may the message be acknowledged.
func (c *Consumer) deadLetter(ctx context.Context, msg lambdaevents.SQSMessage, line *outcome, reason error) bool {
	line.set(outcomeDeadLettered, reason)
	if c.SQS == nil || c.DLQURL == "" {
		// Without a dead-letter queue of our own, the queue's redrive
		// policy dead-letters the message after its receives run out.
		line.set(outcomeRetry, reason)
		return false
	}
	if err := dlq.Send(ctx, c.SQS, c.DLQURL, msg, reason.Error()); err != nil {
		line.set(outcomeRetry, fmt.Errorf("%w (and could not dead-letter it: %v)", reason, err))
		return false
	}
	return true
}

func (c *Consumer) queueURL(ctx context.Context, arn string) (string, error) {
	if url, ok := c.queueURLs.Load(arn); ok {
		return url.(string), nil
	}
	out, err := c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(arn[strings.LastIndex(arn, ":")+1:])})
	if err != nil {
		return "", fmt.Errorf("queue of %s: %w", arn, err)
	}
	c.queueURLs.Store(arn, aws.ToString(out.QueueUrl))
	return aws.ToString(out.QueueUrl), nil
}

// ExponentialBackoff returns base × 2^(n−1), at most ceiling, with equal
// jitter (between half and all of it), in whole seconds of at least one:
// SQS visibility timeouts count seconds.
func ExponentialBackoff(base, ceiling time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := base << min(max(n-1, 0), 20)
		if d > ceiling || d <= 0 {
			d = ceiling
		}
		d = d/2 + rand.N(d/2+1)
		return max(d.Round(time.Second), time.Second)
	}
}

// tally counts a batch's outcomes by event type, to write them as one
// metrics line per event type rather than one per message.
type tally map[string]*counts

type counts struct {
	outcomes map[string]int
	lag      []float64 // milliseconds, of the events processed
}

func (t tally) count(env events.Envelope, outcome string) {
	eventType := env.EventType
	if eventType == "" {
		eventType = "(unreadable)"
	}
	c := t[eventType]
	if c == nil {
		c = &counts{outcomes: map[string]int{}}
		t[eventType] = c
	}
	c.outcomes[outcome]++
	if outcome == outcomeProcessed || outcome == outcomeFollowUpFailed {
		c.lag = append(c.lag, float64(time.Since(env.Timestamp).Microseconds())/1000)
	}
}

func (t tally) merge(other tally) {
	for eventType, o := range other {
		c := t[eventType]
		if c == nil {
			t[eventType] = o
			continue
		}
		for k, n := range o.outcomes {
			c.outcomes[k] += n
		}
		c.lag = append(c.lag, o.lag...)
	}
}

// outcomeMetrics names the metrics of each outcome; a failure that is
// retried or dead-lettered counts as failed too, and an event whose effect
// is done counts as consumed even if a follow-up failed.
var outcomeMetrics = map[string][]string{
	outcomeProcessed:      {"EventsConsumed"},
	outcomeFollowUpFailed: {"EventsConsumed", "FollowUpsFailed"},
	outcomeSkipped:        {"EventsSkipped"},
	outcomeDuplicate:      {"EventsDuplicated"},
	outcomeRetry:          {"EventsFailed", "EventsRetried"},
	outcomeDeadLettered:   {"EventsFailed", "EventsDeadLettered"},
}

// emit writes a batch's tally, with the lag of every event processed.
func (c *Consumer) emit(t tally) {
	for eventType, n := range t {
		sums := map[string]int{}
		for outcome, k := range n.outcomes {
			for _, name := range outcomeMetrics[outcome] {
				sums[name] += k
			}
		}
		var ms []metrics.Metric
		for _, name := range slices.Sorted(maps.Keys(sums)) {
			ms = append(ms, metrics.CountOf(name, sums[name]))
		}
		if len(n.lag) > 0 {
			ms = append(ms, metrics.Metric{Name: "ProcessingLag", Unit: metrics.Milliseconds, Values: n.lag})
		}
		c.Metrics.Emit(map[string]string{"Consumer": c.Name, "EventType": eventType}, ms...)
	}
}

func (c *Consumer) log(ctx context.Context, msg lambdaevents.SQSMessage, env events.Envelope, receives int, line *outcome) {
	attrs := append([]slog.Attr{
		slog.String("outcome", line.result),
		logging.RequestID(ctx),
		slog.String("message_id", msg.MessageId),
	}, logging.Event(env)...)
	attrs = append(append(attrs, slog.Int("receive_count", receives)), line.attrs...)
	level := slog.LevelInfo
	if line.err != nil && line.result != outcomeSkipped {
		attrs = append(attrs, slog.String("error", line.err.Error()))
		level = slog.LevelWarn
		if line.result == outcomeDeadLettered || line.result == outcomeFollowUpFailed {
			level = slog.LevelError
		}
	} else if line.err != nil {
		attrs = append(attrs, slog.String("reason", line.err.Error()))
	}
	c.Log.LogAttrs(ctx, level, "message "+line.result, attrs...)
}

type outcomeKey struct{}

// outcome is what the log line of one message says.
type outcome struct {
	mu     sync.Mutex
	result string
	err    error
	attrs  []slog.Attr
}

func (o *outcome) set(result string, err error) {
	o.mu.Lock()
	o.result, o.err = result, err
	o.mu.Unlock()
}

func (o *outcome) add(attrs ...slog.Attr) {
	o.mu.Lock()
	o.attrs = append(o.attrs, attrs...)
	o.mu.Unlock()
}

// Annotate adds attributes to the log line of the message being handled.
// Outside a handler it does nothing.
func Annotate(ctx context.Context, attrs ...slog.Attr) {
	if o, ok := ctx.Value(outcomeKey{}).(*outcome); ok {
		o.add(attrs...)
	}
}
