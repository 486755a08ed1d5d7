package main

import (
	"context"
	"errors"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
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
// consumers.
func (r *Relay) Relay(ctx context.Context, records []lambdaevents.DynamoDBEventRecord) []string {
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
			r.log.Error("unpublishable record", "sequence_number", rec.Change.SequenceNumber, "error", err)
			failed[i] = true
			continue
		}
		envs = append(envs, env)
		origin = append(origin, i)
	}

	if len(envs) > 0 {
		err := r.bus.Publish(ctx, envs)
		var refused *eventbus.PublishError
		switch {
		case errors.As(err, &refused):
			for _, f := range refused.Failed {
				failed[origin[f.Index]] = true
				r.log.Warn("not published", "event_id", envs[f.Index].EventID, "event_type", envs[f.Index].EventType,
					"correlation_id", envs[f.Index].Metadata.CorrelationID, "code", f.Code, "error", f.Message)
			}
		case err != nil:
			r.log.Error("publish failed", "error", err)
			for _, i := range origin {
				failed[i] = true
			}
		}
		published, unpublished := map[string]int{}, map[string]int{}
		for i, env := range envs {
			if failed[origin[i]] {
				unpublished[env.EventType]++
				continue
			}
			published[env.EventType]++
			r.log.Info("published", "event_id", env.EventID, "event_type", env.EventType,
				"correlation_id", env.Metadata.CorrelationID, "causation_id", env.Metadata.CausationID)
		}
		for t, n := range published {
			r.metrics.Emit(map[string]string{"EventType": t}, metrics.CountOf("EventsPublished", n))
		}
		for t, n := range unpublished {
			r.metrics.Emit(map[string]string{"EventType": t}, metrics.CountOf("EventsNotPublished", n))
		}
	}

	var sequenceNumbers []string
	for i, rec := range records {
		if failed[i] {
			sequenceNumbers = append(sequenceNumbers, rec.Change.SequenceNumber)
		}
	}
	return sequenceNumbers
}

func envelope(rec lambdaevents.DynamoDBEventRecord) (events.Envelope, error) {
	raw, err := eventstore.StreamEnvelope(rec.Change.NewImage)
	if err != nil {
		return events.Envelope{}, err
	}
	return events.Parse(raw)
}
