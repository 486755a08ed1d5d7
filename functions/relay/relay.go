package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
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
// not publish. Lambda then retries the batch from the lowest of them, so a
// record is never skipped; one published twice is deduplicated by its
// consumers. It logs one line per inserted record: published, not
// published, or unpublishable.
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
		env, err := envelope(rec)
		if err != nil {
			attrs := append([]slog.Attr{slog.String("sequence_number", rec.Change.SequenceNumber)}, salvage(rec)...)
			log.LogAttrs(ctx, slog.LevelError, "unpublishable record", append(attrs, slog.String("error", err.Error()))...)
			failed[i] = true
			continue
		}
		envs = append(envs, env)
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
		r.metrics.Emit(map[string]string{"EventType": t}, metrics.CountOf("EventsPublished", n))
	}
	for t, n := range unpublished {
		r.metrics.Emit(map[string]string{"EventType": t}, metrics.CountOf("EventsNotPublished", n))
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

func envelope(rec lambdaevents.DynamoDBEventRecord) (events.Envelope, error) {
	raw, err := eventstore.StreamEnvelope(rec.Change.NewImage)
	if err != nil {
		return events.Envelope{}, err
	}
	return events.Parse(raw)
}

// salvage names what it can of a record whose envelope is not valid: its
// stream and version, and whatever ids its envelope JSON holds, so that
// the unpublishable record's line can be found by them.
func salvage(rec lambdaevents.DynamoDBEventRecord) []slog.Attr {
	var attrs []slog.Attr
	image := rec.Change.NewImage
	if av, ok := image["streamId"]; ok && av.DataType() == lambdaevents.DataTypeString {
		attrs = append(attrs, slog.String("stream_id", av.String()))
	}
	if av, ok := image["version"]; ok && av.DataType() == lambdaevents.DataTypeNumber {
		attrs = append(attrs, slog.String("version", av.Number()))
	}
	raw, err := eventstore.StreamEnvelope(image)
	if err != nil {
		return attrs
	}
	var env struct {
		EventID   string `json:"eventId"`
		EventType string `json:"eventType"`
		Metadata  struct {
			CorrelationID string `json:"correlationId"`
			CausationID   string `json:"causationId"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(raw, &env) // what it holds, as far as it is JSON
	return append(attrs, logging.Event(events.Envelope{EventID: env.EventID, EventType: env.EventType,
		Metadata: events.Metadata{CorrelationID: env.Metadata.CorrelationID, CausationID: env.Metadata.CausationID}})...)
}
