package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/eventshop/eventshop/functions/internal/idempotency"
)

// dedup handles each event once per consumer, keyed on the envelope's
// eventId (EventBridge gives every publish an id of its own): it claims
// the event for a lease before the next stage, and records its result for
// keep once it is done, or releases the claim so that a retry may take it
// at once. A delivery that finds the event done is a duplicate; one that
// finds a live claim is retried later. With no store it passes every
// delivery on.
func dedup(store idempotency.Store, consumer string, lease, keep time.Duration) middleware {
	return func(next stage) stage {
		if store == nil {
			return next
		}
		return func(ctx context.Context, d delivery) outcome {
			key := consumer + "#" + d.env.EventID
			claim, err := store.Begin(ctx, key, lease)
			switch {
			case err != nil:
				return outcome{kind: retrying, err: fmt.Errorf("claim: %w", err)}
			case claim.State == idempotency.Done:
				return outcome{kind: duplicate, effect: claim.Result}.with(slog.String("first_result", claim.Result))
			case claim.State == idempotency.Busy:
				return outcome{kind: retrying, err: errors.New("another delivery of the event is being handled")}
			}
			o := next(ctx, d)
			if o.kind.done() {
				if o.effect == "" {
					o.effect = o.kind.String()
				}
				// The effect happened: acknowledge even if recording it
				// fails, rather than redeliver and do it twice.
				if err := store.Complete(ctx, key, o.effect, keep); err != nil {
					o = o.with(slog.String("idempotency_error", err.Error()))
				}
				return o
			}
			if err := store.Release(ctx, key); err != nil {
				o = o.with(slog.String("idempotency_error", err.Error()))
			}
			return o
		}
	}
}
