package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// Events is where suppressions are recorded; see eventstore.Dynamo.
type Events interface {
	// Append stores envs at versions expected+1… of the stream, or returns
	// an error wrapping eventstore.ErrConcurrency.
	Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error
}

var _ Events = (*eventstore.Dynamo)(nil)

// Reader suppresses the recipients of SES's hard bounces and complaints.
type Reader struct {
	events  Events
	dlq     dlq.Sender
	dlqURL  string
	log     *slog.Logger
	metrics *metrics.Emitter
}

// Handle reads a batch of SES events. What can never be read — not an SES
// event, or a mail eventshop did not tag — goes to the dead-letter queue
// with the reason; what failed for a while (the event store, say) is
// delivered again. Nothing is acknowledged before it was handled or
// dead-lettered.
func (r *Reader) Handle(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
	var resp lambdaevents.SQSEventResponse
	for _, msg := range ev.Records {
		outcome, attrs, err := r.read(ctx, msg)
		var unreadable *unreadableError
		if errors.As(err, &unreadable) {
			if dlErr := dlq.Send(ctx, r.dlq, r.dlqURL, msg, err.Error()); dlErr != nil {
				err = fmt.Errorf("%w; and then: %v", err, dlErr)
			} else {
				outcome = "dead-lettered"
			}
		}
		level := slog.LevelInfo
		if outcome == "" {
			outcome, level = "retrying", slog.LevelWarn
			resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
		attrs = append(attrs, logging.RequestID(ctx), slog.String("message_id", msg.MessageId), slog.String("outcome", outcome))
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
			if level == slog.LevelInfo {
				level = slog.LevelError
			}
		}
		r.log.LogAttrs(ctx, level, "ses event read", attrs...)
	}
	return resp, nil
}

// unreadableError is an SES event that can never be acted on.
type unreadableError struct{ reason string }

func (e *unreadableError) Error() string { return e.reason }

// read handles one message and says what came of it: "suppressed",
// "duplicate" (suppressed before), "ignored" (a transient bounce, say),
// or "" with an error for a retry.
func (r *Reader) read(ctx context.Context, msg lambdaevents.SQSMessage) (string, []slog.Attr, error) {
	e, err := readSESEvent(msg.Body)
	if err != nil {
		return "", nil, &unreadableError{err.Error()}
	}
	attrs := []slog.Attr{slog.String("ses_message_id", e.Mail.MessageID), slog.String("ses_event", e.EventType)}
	reason, detail, suppress := e.suppression()
	if !suppress {
		return "ignored", attrs, nil
	}
	userID := e.tag(contract.MailTagUserID)
	attrs = append(attrs, slog.String("user_id", userID), slog.String("reason", reason))
	if userID == "" {
		return "", attrs, &unreadableError{"a " + e.EventType + " of a mail without the " + contract.MailTagUserID + " tag: not one eventshop sent"}
	}
	if !plainDetail(detail) {
		detail = "" // not what SES sends; the reason says enough
	}
	causation := e.tag(contract.MailTagEventID)
	if causation == "" {
		causation = "ses"
	}
	env, err := events.New(events.NotificationSuppressed{UserID: userID, Reason: reason, Detail: detail, MessageID: e.Mail.MessageID},
		events.Metadata{CorrelationID: "ses-" + e.Mail.MessageID, CausationID: causation})
	if err != nil {
		return "", attrs, &unreadableError{err.Error()}
	}
	err = r.events.Append(ctx, contract.SuppressionStream.ID(userID), 0, env)
	if errors.Is(err, eventstore.ErrConcurrency) {
		return "duplicate", attrs, nil // suppressed before: once is enough
	}
	if err != nil {
		return "", attrs, err
	}
	r.metrics.Emit(map[string]string{contract.DimReason: reason}, metrics.CountOf(contract.RecipientsSuppressed, 1))
	return "suppressed", attrs, nil
}

// plainDetail says whether notification.suppressed takes s as its
// detail: up to 64 letters, digits and dashes.
func plainDetail(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
