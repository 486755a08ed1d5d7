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
func dedup(store idempotency.Store, consumer string, lease, keep time.Duration) Middleware {
	return func(next Stage) Stage {
		if store == nil {
			return next
		}
		return func(ctx context.Context, d Delivery) Outcome {
			key := consumer + "#" + d.Envelope.EventID
			claim, err := store.Begin(ctx, key, lease)
			switch {
			case err != nil:
				return Outcome{Kind: Retry, Err: fmt.Errorf("claim: %w", err)}
			case claim.State == idempotency.Done:
				return Outcome{Kind: Duplicate, Result: claim.Result}.with(slog.String("first_result", claim.Result))
			case claim.State == idempotency.Busy:
				return Outcome{Kind: Retry, Err: errors.New("another delivery of the event is being handled")}
			}
			o := next(ctx, d)
			if o.Kind.done() {
				if o.Result == "" {
					o.Result = o.Kind.String()
				}
				// The effect happened: acknowledge even if recording it
				// fails, rather than redeliver and do it twice.
				if err := store.Complete(ctx, key, o.Result, keep); err != nil {
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
