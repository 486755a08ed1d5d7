package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
)

// handler adapts an SQS batch to the notifier. A message whose mail could
// not be sent is reported as a batch item failure, so SQS delivers it again
// and, after the queue's maxReceiveCount, moves it to the dead-letter queue;
// every other message is acknowledged.
func handler(n *Notifier, log *slog.Logger) func(context.Context, lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	return func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		var resp lambdaevents.SQSEventResponse
		for _, msg := range ev.Records {
			if err := handle(ctx, n, log, msg); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		return resp, nil
	}
}

func handle(ctx context.Context, n *Notifier, log *slog.Logger, msg lambdaevents.SQSMessage) error {
	env, err := events.FromSQS(msg)
	log = log.With("message_id", msg.MessageId, "event_id", env.EventID, "event_type", env.EventType,
		"correlation_id", env.Metadata.CorrelationID, "causation_id", env.Metadata.CausationID,
		"receive_count", msg.Attributes["ApproximateReceiveCount"])
	var to string
	if err == nil {
		to, err = n.Notify(ctx, env)
		log = log.With("to", maskEmail(to))
	}
	switch {
	case err == nil:
		log.Info("mail sent")
		return nil
	case errors.Is(err, events.ErrUnknownType), errors.Is(err, ErrNotMine):
		log.Info("event skipped", "reason", err.Error())
		return nil
	default:
		log.Error("notification failed", "error", err)
		return err
	}
}

// maskEmail keeps enough of an address to recognise it in a log line:
// ada@example.com becomes a***@example.com.
func maskEmail(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	return local[:1] + "***@" + domain
}
