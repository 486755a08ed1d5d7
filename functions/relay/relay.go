package main

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore/streamed"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// Publisher publishes envelopes to the bus.
type Publisher interface {
	// Publish publishes envs in order. It returns nil if every envelope
	// was published, or an *eventbus.PublishError naming those that were
	// not: the first it could not publish and every one after it. Any
	// other error means none may have been. An envelope may be published
	// more than once across calls; consumers deduplicate on eventId. It is
	// safe for concurrent use.
	Publish(ctx context.Context, envs []events.Envelope) error
}

var _ Publisher = (*eventbus.Publisher)(nil)

// Relay publishes the events that the event store's stream reports, making
// the event store the outbox of every service.
type Relay struct {
	bus     Publisher
	log     *slog.Logger
	metrics *metrics.Emitter
}

// Relay publishes every event inserted in a batch of stream records, in
// stream order, and returns the sequence numbers of the records it could
// not publish. Lambda then retries the batch from the lowest of them, a
// bounded number of times; a batch it gives up on goes to the relay
// failures queue, for an operator to replay, so a record is never
// skipped silently. One published twice is deduplicated by its consumers.
// It logs one line per inserted record: published, not published, or
// unpublishable.
func (r *Relay) Relay(ctx context.Context, records []lambdaevents.DynamoDBEventRecord) []string {
	log := r.log.With(logging.RequestID(ctx))
	var (
		envs   []events.Envelope
		origin []int // origin[i] is the record of envs[i]
		failed = make(map[int]bool)
	)
	for i, rec := range records {
		if rec.EventName != "INSERT" {
			// Events are immutable: only an insert is news.
			continue
		}
		stored, err := streamed.Decode(rec.Change.NewImage)
		if err != nil {
			attrs := []slog.Attr{slog.String("sequence_number", rec.Change.SequenceNumber)}
			if stored.StreamID != "" {
				attrs = append(attrs, slog.String("stream_id", stored.StreamID), slog.String("version", strconv.Itoa(stored.Version)))
			}
			attrs = append(attrs, logging.Event(stored.Envelope)...)
			log.LogAttrs(ctx, slog.LevelError, "unpublishable record", append(attrs, slog.String("error", err.Error()))...)
			failed[i] = true
			continue
		}
		envs = append(envs, stored.Envelope)
		origin = append(origin, i)
	}
	if len(envs) == 0 {
		return sequenceNumbers(records, failed)
	}

	err := r.bus.Publish(ctx, envs)
	var refused *eventbus.PublishError
	switch {
	case errors.As(err, &refused):
		for _, f := range refused.Failed {
			failed[origin[f.Index]] = true
			log.LogAttrs(ctx, slog.LevelWarn, "not published", append(logging.Event(envs[f.Index]), slog.String("code", f.Code), slog.String("error", f.Message))...)
		}
	case err != nil:
		for i, env := range envs {
			failed[origin[i]] = true
			log.LogAttrs(ctx, slog.LevelError, "not published", append(logging.Event(env), slog.String("error", err.Error()))...)
		}
	}
	published, unpublished := map[string]int{}, map[string]int{}
	for i, env := range envs {
		if failed[origin[i]] {
			unpublished[env.EventType]++
			continue
		}
		published[env.EventType]++
		log.LogAttrs(ctx, slog.LevelInfo, "published", logging.Event(env)...)
	}
	for t, n := range published {
		r.metrics.Emit(map[string]string{contract.DimEventType: t}, metrics.CountOf(contract.EventsPublished, n))
	}
	for t, n := range unpublished {
		r.metrics.Emit(map[string]string{contract.DimEventType: t}, metrics.CountOf(contract.EventsNotPublished, n))
	}
	return sequenceNumbers(records, failed)
}

// sequenceNumbers lists the sequence numbers of the failed records, in
// stream order.
func sequenceNumbers(records []lambdaevents.DynamoDBEventRecord, failed map[int]bool) []string {
	var out []string
	for i, rec := range records {
		if failed[i] {
			out = append(out, rec.Change.SequenceNumber)
		}
	}
	return out
}
