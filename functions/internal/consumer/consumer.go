// Package consumer is the edge between an SQS event source and a service
// that handles events one at a time: it reads each message's envelope,
// hands it over, reports the messages that failed as batch item failures,
// and logs one line per message with what happened.
package consumer

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
)

// ErrSkip means the consumer has nothing to do for the event: it is
// acknowledged, not retried.
var ErrSkip = errors.New("nothing to do for this event")

// Handle handles one event. It returns nil when the event's effect is
// done, an error wrapping ErrSkip when there is none to do, and any other
// error to have the message delivered again.
type Handle func(ctx context.Context, env events.Envelope) error

// Handler returns the Lambda handler of an SQS batch. Messages are handled
// in order; those that fail are reported by message id, so SQS delivers
// them again and moves them to the dead-letter queue after the queue's
// maxReceiveCount. Event types the catalogue does not know are logged and
// acknowledged.
func Handler(log *slog.Logger, handle Handle) func(context.Context, lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		var resp lambdaevents.SQSEventResponse
		for _, msg := range ev.Records {
			if err := handleMessage(ctx, log, handle, msg); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		return resp, nil
	}
}

func handleMessage(ctx context.Context, log *slog.Logger, handle Handle, msg lambdaevents.SQSMessage) error {
	env, err := events.FromSQS(msg)
	line := &outcome{}
	ctx = context.WithValue(ctx, outcomeKey{}, line)
	if err == nil {
		err = handle(ctx, env)
	}
	attrs := append([]slog.Attr{
		slog.String("message_id", msg.MessageId),
		slog.String("event_id", env.EventID),
		slog.String("event_type", env.EventType),
		slog.String("correlation_id", env.Metadata.CorrelationID),
		slog.String("causation_id", env.Metadata.CausationID),
		slog.String("receive_count", msg.Attributes["ApproximateReceiveCount"]),
	}, line.attrs...)
	switch {
	case err == nil:
		log.LogAttrs(ctx, slog.LevelInfo, "processed", attrs...)
		return nil
	case errors.Is(err, ErrSkip), errors.Is(err, events.ErrUnknownType):
		log.LogAttrs(ctx, slog.LevelInfo, "skipped", append(attrs, slog.String("reason", err.Error()))...)
		return nil
	default:
		log.LogAttrs(ctx, slog.LevelError, "failed", append(attrs, slog.String("error", err.Error()))...)
		return err
	}
}

type outcomeKey struct{}

// outcome collects what a handler adds to its message's log line.
type outcome struct {
	mu    sync.Mutex
	attrs []slog.Attr
}

// Annotate adds attributes to the log line of the message being handled.
// Outside a handler it does nothing.
func Annotate(ctx context.Context, attrs ...slog.Attr) {
	if o, ok := ctx.Value(outcomeKey{}).(*outcome); ok {
		o.mu.Lock()
		o.attrs = append(o.attrs, attrs...)
		o.mu.Unlock()
	}
}
