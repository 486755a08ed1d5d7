package consumer

import (
	"context"
	"errors"
	"log/slog"
	"slices"

	"github.com/eventshop/eventshop/events"
)

// ErrSkip means the consumer has nothing to do for the event: it is
// acknowledged, not retried.
var ErrSkip = errors.New("nothing to do for this event")

// Result is what a handler did.
type Result struct {
	// Effect is the result of the event's effect: a short text, free of
	// personal data, that the consumer remembers with the event and logs
	// as first_result when a duplicate comes, such as the id a mail
	// service gave a mail.
	Effect string
	// Log adds attributes to the delivery's log line.
	Log []slog.Attr
}

// Handle handles one event and returns what it did, with
//
//   - nil when the effect is done;
//   - an error wrapping ErrSkip when there is none to do;
//   - AfterEffect(err) when the effect is done but a follow-up to it
//     failed: the event is not handled again;
//   - a Permanent error when the event can never be handled;
//   - any other error, meaning that the effect did not happen, to have
//     the event delivered again later.
type Handle func(ctx context.Context, env events.Envelope) (Result, error)

// invoke is the last stage: it runs the handler and classifies its error.
func invoke(handle Handle) stage {
	return func(ctx context.Context, d delivery) outcome {
		r, err := handle(ctx, d.env)
		o := outcome{err: err, effect: r.Effect, attrs: slices.Clip(r.Log)}
		var after afterEffectError
		switch {
		case err == nil:
			o.kind = processed
		case errors.As(err, &after):
			// Before ErrSkip and Permanent: whatever the follow-up's error
			// wraps, the effect is done.
			o.kind = followUpFailed
		case errors.Is(err, ErrSkip):
			o.kind = skipped
		case IsPermanent(err):
			o.kind = rejected
		default:
			o.kind = retrying
		}
		return o
	}
}
