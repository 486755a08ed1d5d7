// Package eventbus publishes envelopes to eventshop's EventBridge bus: in
// batches as large as PutEvents allows, retrying entries that the bus
// refused, and reporting exactly which envelopes it could not publish so
// that nothing is dropped silently.
package eventbus

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

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
	// Attempts is how often an entry is offered to the bus before it is
	// reported as failed, counting the first; the SDK's retryer retries
	// failed calls within each attempt.
	Attempts int
	// Backoff is the wait before the nth retry of refused entries
	// (n from 1): exponential with full jitter by default.
	Backoff func(n int) time.Duration
	// Parallel is how many PutEvents calls may be in flight at once.
	Parallel int
}

// New returns a publisher to the named bus with default retry settings:
// 5 attempts, backoff from 50 ms doubling to at most 2 s, with jitter.
func New(client EventBridge, bus string) *Publisher {
	return &Publisher{client: client, bus: bus, Attempts: 5, Backoff: jitteredBackoff(50*time.Millisecond, 2*time.Second), Parallel: 4}
}

// Failure is an envelope the bus did not accept.
type Failure struct {
	Index   int // in the slice given to Publish
	Code    string
	Message string
}

// PublishError lists the envelopes that could not be published; every
// other one was.
type PublishError struct {
	Failed []Failure // sorted by index
}

func (e *PublishError) Error() string {
	first := e.Failed[0]
	return fmt.Sprintf("publish: %d envelopes refused, first #%d: %s %s", len(e.Failed), first.Index, first.Code, first.Message)
}

// Publish sends envs to the bus, with DetailType the event type, Source the
// envelope's source and Detail the whole envelope. It returns nil if the
// bus accepted every envelope, or a *PublishError naming those it still
// refused after the configured attempts. Order is not preserved, as
// EventBridge does not preserve it.
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
	}

	pending := make([]int, len(envs))
	for i := range pending {
		pending[i] = i
	}
	var failed map[int]Failure
	for attempt := 1; attempt <= max(p.Attempts, 1) && len(pending) > 0; attempt++ {
		if attempt > 1 {
			select {
			case <-time.After(p.Backoff(attempt - 1)):
			case <-ctx.Done():
				return p.failure(failed, ctx.Err())
			}
		}
		failed = p.sendAll(ctx, entries, pending)
		pending = pending[:0]
		for i := range failed {
			pending = append(pending, i)
		}
		slices.Sort(pending)
	}
	if len(failed) == 0 {
		return nil
	}
	return p.failure(failed, nil)
}

func (p *Publisher) failure(failed map[int]Failure, cause error) error {
	out := &PublishError{}
	for _, f := range failed {
		out.Failed = append(out.Failed, f)
	}
	slices.SortFunc(out.Failed, func(a, b Failure) int { return a.Index - b.Index })
	if len(out.Failed) == 0 {
		return cause
	}
	return out
}

// sendAll offers the entries at indexes to the bus in batches, several in
// flight, and returns those refused.
func (p *Publisher) sendAll(ctx context.Context, entries []types.PutEventsRequestEntry, indexes []int) map[int]Failure {
	var (
		mu     sync.Mutex
		failed = make(map[int]Failure)
		wg     sync.WaitGroup
		slots  = make(chan struct{}, max(p.Parallel, 1))
	)
	for _, batch := range Batches(entries, indexes) {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			refused := p.send(ctx, entries, batch)
			mu.Lock()
			for _, f := range refused {
				failed[f.Index] = f
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return failed
}

// send makes one PutEvents call and returns the entries it refused.
func (p *Publisher) send(ctx context.Context, entries []types.PutEventsRequestEntry, batch []int) []Failure {
	in := &eventbridge.PutEventsInput{Entries: make([]types.PutEventsRequestEntry, len(batch))}
	for i, idx := range batch {
		in.Entries[i] = entries[idx]
	}
	out, err := p.client.PutEvents(ctx, in)
	if err != nil {
		refused := make([]Failure, len(batch))
		for i, idx := range batch {
			refused[i] = Failure{Index: idx, Code: "CallFailed", Message: err.Error()}
		}
		return refused
	}
	if out.FailedEntryCount == 0 {
		return nil
	}
	var refused []Failure
	for i, res := range out.Entries {
		if res.ErrorCode != nil && i < len(batch) {
			refused = append(refused, Failure{Index: batch[i], Code: aws.ToString(res.ErrorCode), Message: aws.ToString(res.ErrorMessage)})
		}
	}
	if len(refused) == 0 || len(out.Entries) != len(batch) {
		// The response does not say which entries failed: count them all.
		refused = refused[:0]
		for _, idx := range batch {
			refused = append(refused, Failure{Index: idx, Code: "Unknown", Message: fmt.Sprintf("%d entries failed", out.FailedEntryCount)})
		}
	}
	return refused
}

// Batches splits the entries at indexes into PutEvents calls of at most
// MaxEntries entries and MaxBatchSize bytes, keeping their order.
func Batches(entries []types.PutEventsRequestEntry, indexes []int) [][]int {
	var (
		batches [][]int
		current []int
		size    int
	)
	for _, idx := range indexes {
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

func jitteredBackoff(base, ceiling time.Duration) func(int) time.Duration {
	return func(n int) time.Duration {
		d := base << min(n-1, 16)
		if d > ceiling || d <= 0 {
			d = ceiling
		}
		return time.Duration(rand.Int64N(int64(d)) + 1)
	}
}
