package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/eventshop/eventshop/backoff"
	"github.com/eventshop/eventshop/events"
)

// PutEvents limits.
const (
	MaxEntries   = 10         // entries per call
	MaxBatchSize = 256 * 1024 // bytes per call, counted as EventBridge does
)

// EventBridge is the part of the EventBridge client the publisher uses.
type EventBridge interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Publisher publishes envelopes to one bus. It is safe for concurrent use.
type Publisher struct {
	client EventBridge
	bus    string
	// Attempts is how often a refused entry is offered to the bus before
	// it is reported as failed, counting the first; the SDK's retryer
	// retries failed calls within each attempt.
	Attempts int
	// Backoff is the wait before the nth retry of refused entries (n from
	// 1). Retries also stop when the context's deadline is too close.
	Backoff func(n int) time.Duration
}

// New returns a publisher to the named bus with default retry settings:
// 5 attempts, backoff from 50 ms doubling to at most 2 s, with full jitter.
func New(client EventBridge, bus string) *Publisher {
	return &Publisher{client: client, bus: bus, Attempts: 5, Backoff: backoff.Jittered(50*time.Millisecond, 2*time.Second)}
}

// Failure is an envelope the bus did not accept.
type Failure struct {
	Index   int // in the slice given to Publish
	Code    string
	Message string
}

// PublishError lists the envelopes that were not published; every other
// one was.
type PublishError struct {
	Failed []Failure // sorted by index
}

// Error counts the failures and describes the first.
func (e *PublishError) Error() string {
	first := e.Failed[0]
	return fmt.Sprintf("publish: %d envelopes not published, first #%d: %s %s", len(e.Failed), first.Index, first.Code, first.Message)
}

// Codes of failures the bus did not report itself.
const (
	// CodeCallFailed: the PutEvents call failed as a whole.
	CodeCallFailed = "CallFailed"
	// CodeEntryTooLarge: the envelope alone exceeds PutEvents' limit; it
	// can never be published and is not retried.
	CodeEntryTooLarge = "EntryTooLarge"
	// CodeNotAttempted: an earlier batch failed, so this one was not sent.
	CodeNotAttempted = "NotAttempted"
)

// Publish sends envs to the bus in order, in batches of at most MaxEntries
// entries and MaxBatchSize bytes, with DetailType the event type, Source the
// envelope's source and Detail the whole envelope. Entries the bus refuses
// are offered again with backoff. If some are still refused after the
// configured attempts (or when ctx's deadline draws near), Publish stops
// there and returns a *PublishError listing them and every later envelope,
// so that a caller that keeps order can resume from the first one listed.
// It returns nil if the bus accepted every envelope.
func (p *Publisher) Publish(ctx context.Context, envs []events.Envelope) error {
	entries := make([]types.PutEventsRequestEntry, len(envs))
	for i, env := range envs {
		detail, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("encode %s: %w", env.EventID, err)
		}
		entries[i] = types.PutEventsRequestEntry{
			EventBusName: aws.String(p.bus),
			Source:       aws.String(env.Source),
			DetailType:   aws.String(env.EventType),
			Detail:       aws.String(string(detail)),
			Time:         aws.Time(env.Timestamp),
		}
		if env.Metadata.TraceHeader != "" {
			// EventBridge passes it on to the targets, so that consumers
			// continue the trace of the request that caused the event.
			entries[i].TraceHeader = aws.String(env.Metadata.TraceHeader)
		}
	}
	for _, batch := range Batches(entries) {
		failed := p.publishBatch(ctx, entries, batch)
		if len(failed) == 0 {
			continue
		}
		last := batch[len(batch)-1]
		for i := last + 1; i < len(entries); i++ {
			failed = append(failed, Failure{Index: i, Code: CodeNotAttempted, Message: "an earlier envelope was not published"})
		}
		return &PublishError{Failed: failed}
	}
	return nil
}

// publishBatch offers one batch until the bus accepts it all or the
// attempts run out, and returns what it still refused.
func (p *Publisher) publishBatch(ctx context.Context, entries []types.PutEventsRequestEntry, batch []int) []Failure {
	if n := EntrySize(entries[batch[0]]); len(batch) == 1 && n > MaxBatchSize {
		return []Failure{{Index: batch[0], Code: CodeEntryTooLarge, Message: fmt.Sprintf("%d bytes; PutEvents takes at most %d", n, MaxBatchSize)}}
	}
	next := p.Backoff
	if next == nil {
		next = backoff.Jittered(50*time.Millisecond, 2*time.Second)
	}
	pending := batch
	var refused []Failure
	for attempt := 1; ; attempt++ {
		refused = p.send(ctx, entries, pending)
		if len(refused) == 0 || attempt >= p.Attempts {
			return refused
		}
		if !backoff.Wait(ctx, next(attempt), time.Second) {
			return refused // leave the rest of the invocation to report, not to time out
		}
		pending = pending[:0:0]
		for _, f := range refused {
			pending = append(pending, f.Index)
		}
	}
}

// send makes one PutEvents call and returns the entries it refused.
func (p *Publisher) send(ctx context.Context, entries []types.PutEventsRequestEntry, batch []int) []Failure {
	in := &eventbridge.PutEventsInput{Entries: make([]types.PutEventsRequestEntry, len(batch))}
	for i, idx := range batch {
		in.Entries[i] = entries[idx]
	}
	out, err := p.client.PutEvents(ctx, in)
	if err != nil {
		return failAll(batch, CodeCallFailed, err.Error())
	}
	if out.FailedEntryCount == 0 {
		return nil
	}
	if len(out.Entries) != len(batch) {
		// The response does not say which entries failed: count them all.
		return failAll(batch, CodeCallFailed, fmt.Sprintf("%d entries failed", out.FailedEntryCount))
	}
	var refused []Failure
	for i, res := range out.Entries {
		if res.ErrorCode != nil {
			refused = append(refused, Failure{Index: batch[i], Code: aws.ToString(res.ErrorCode), Message: aws.ToString(res.ErrorMessage)})
		}
	}
	if len(refused) == 0 {
		return failAll(batch, CodeCallFailed, fmt.Sprintf("%d entries failed", out.FailedEntryCount))
	}
	return refused
}

func failAll(batch []int, code, message string) []Failure {
	out := make([]Failure, len(batch))
	for i, idx := range batch {
		out[i] = Failure{Index: idx, Code: code, Message: message}
	}
	return out
}

// Batches splits entries into PutEvents calls of at most MaxEntries entries
// and MaxBatchSize bytes, keeping their order; an entry too large on its own
// is a batch of its own. It returns the indexes of each call's entries.
func Batches(entries []types.PutEventsRequestEntry) [][]int {
	var (
		batches [][]int
		current []int
		size    int
	)
	for idx := range entries {
		n := EntrySize(entries[idx])
		if len(current) == MaxEntries || (len(current) > 0 && size+n > MaxBatchSize) {
			batches = append(batches, current)
			current, size = nil, 0
		}
		current = append(current, idx)
		size += n
	}
	if len(current) > 0 {
		batches = append(batches, current)
	}
	return batches
}

// EntrySize is an entry's size as EventBridge counts it against the
// 256 KB limit of a PutEvents call.
func EntrySize(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}
