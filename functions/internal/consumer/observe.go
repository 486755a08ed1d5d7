package consumer

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// observe writes each delivery's one log line, at INFO, WARN for a
// failure, ERROR for a dead letter or a failed follow-up, and counts its
// outcome in the batch's tally.
func observe(log *slog.Logger, t *tally) middleware {
	return func(next stage) stage {
		return func(ctx context.Context, d delivery) outcome {
			o := next(ctx, d)
			t.count(d, o.kind)
			attrs := append([]slog.Attr{
				slog.String("outcome", o.kind.String()),
				logging.RequestID(ctx),
				slog.String("message_id", d.msg.MessageId),
			}, logging.Event(d.env)...)
			attrs = append(append(attrs, slog.Int("receive_count", d.receives)), o.attrs...)
			level := slog.LevelInfo
			switch {
			case o.err != nil && o.kind == skipped:
				attrs = append(attrs, slog.String("reason", o.err.Error()))
			case o.err != nil:
				attrs = append(attrs, slog.String("error", o.err.Error()))
				level = slog.LevelWarn
				if o.kind == deadLettered || o.kind == followUpFailed {
					level = slog.LevelError
				}
			}
			log.LogAttrs(ctx, level, "message "+o.kind.String(), attrs...)
			return o
		}
	}
}

// tally counts a batch's outcomes by event type, to write them as one
// metrics line per event type rather than one per message. It is safe for
// concurrent use.
type tally struct {
	mu     sync.Mutex
	byType map[string]*counts
}

type counts struct {
	outcomes map[kind]int
	lag      []float64 // milliseconds, of the events processed
}

func (t *tally) count(d delivery, k kind) {
	eventType := d.env.EventType
	if eventType == "" {
		eventType = "(unreadable)"
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byType == nil {
		t.byType = map[string]*counts{}
	}
	c := t.byType[eventType]
	if c == nil {
		c = &counts{outcomes: map[kind]int{}}
		t.byType[eventType] = c
	}
	c.outcomes[k]++
	if k == processed || k == followUpFailed {
		c.lag = append(c.lag, float64(time.Since(d.env.Timestamp).Microseconds())/1000)
	}
}

// outcomeMetrics names the metrics of each outcome; a failure that is
// retried or dead-lettered counts as failed too, and an event whose effect
// is done counts as consumed even if a follow-up failed.
var outcomeMetrics = map[kind][]contract.Metric{
	processed:      {contract.EventsConsumed},
	followUpFailed: {contract.EventsConsumed, contract.FollowUpsFailed},
	skipped:        {contract.EventsSkipped},
	duplicate:      {contract.EventsDuplicated},
	retrying:       {contract.EventsFailed, contract.EventsRetried},
	deadLettered:   {contract.EventsFailed, contract.EventsDeadLettered},
}

// emit writes the tally of a consumer's batch, with the lag of every
// event processed.
func (t *tally) emit(m *metrics.Emitter, consumer string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for eventType, n := range t.byType {
		sums := map[contract.Metric]int{}
		for k, count := range n.outcomes {
			for _, name := range outcomeMetrics[k] {
				sums[name] += count
			}
		}
		var ms []metrics.Metric
		for _, name := range slices.Sorted(maps.Keys(sums)) {
			ms = append(ms, metrics.CountOf(name, sums[name]))
		}
		if len(n.lag) > 0 {
			ms = append(ms, metrics.Metric{Name: contract.ProcessingLag, Unit: metrics.Milliseconds, Values: n.lag})
		}
		m.Emit(map[string]string{contract.DimConsumer: consumer, contract.DimEventType: eventType}, ms...)
	}
}
