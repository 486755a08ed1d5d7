package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/eventshop/eventshop/backoff"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/internal/tracing"
)

// Mailer sends mail.
type Mailer interface {
	// Send delivers m and returns the message id the mail service gave it.
	// An error means the mail may not have been sent; the caller may send
	// it again. It is safe for concurrent use.
	Send(ctx context.Context, m Mail) (messageID string, err error)
}

// Recorder keeps the record of mail sent in the event store; see
// eventstore.Dynamo. It is safe for concurrent use.
type Recorder interface {
	// Append stores envs at versions expected+1… of the stream, all or
	// nothing, or returns an error wrapping eventstore.ErrConcurrency if
	// the stream is not at version expected.
	Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error
	// Load returns the stream's records from version from on, in version
	// order, reading consistently; a stream that does not exist is empty.
	Load(ctx context.Context, streamID string, from int) ([]eventstore.Record, error)
}

var _ Recorder = (*eventstore.Dynamo)(nil)

// Notifier turns events into mail and records each mail it sent.
type Notifier struct {
	mail   Mailer
	events Recorder
	// resetURL is the page that takes a password reset token, e.g.
	// https://shop.example/reset; the mail links to it with ?token=.
	resetURL string
	metrics  *metrics.Emitter
	// recordBackoff is the wait before the nth retry of a mail's record;
	// nil means recordJitter.
	recordBackoff func(n int) time.Duration
}

// Routes are the mails the notification service sends: one for each
// event type it is subscribed to, written in mail.go.
func (n *Notifier) Routes() consumer.Routes {
	return consumer.Route(
		mail(n, welcomeMail),
		mail(n, func(p events.UserPasswordReset) Mail {
			return passwordResetMail(p, n.resetURL+"?token="+url.QueryEscape(p.Token))
		}),
		mail(n, orderConfirmationMail),
		mail(n, orderCancellationMail),
		mail(n, orderShippedMail),
	)
}

// mail is the handler that sends the mail compose writes for each event
// of T's type; see Notifier.send.
func mail[T events.Payload](n *Notifier, compose func(T) Mail) consumer.Handler {
	return consumer.On(func(ctx context.Context, p T, env events.Envelope) (consumer.Result, error) {
		return n.send(ctx, env, compose(p))
	})
}

// send sends m, the mail that env calls for, and returns the message id
// the mail service gave it, then records notification.sent in stream
// notification-<eventId>, caused by env and in its flow. It returns an
// error wrapping consumer.ErrSkip for a replayed event whose mail was sent
// before. Once the mail is sent, it never asks for it to be sent again: a
// record that cannot be written after a few attempts is a
// consumer.AfterEffect.
func (n *Notifier) send(ctx context.Context, env events.Envelope, m Mail) (consumer.Result, error) {
	r := consumer.Result{Log: []slog.Attr{slog.String("template", m.Template), slog.String("to", maskEmail(m.To))}}
	stream := "notification-" + env.EventID
	if env.Metadata.Replay {
		// A replay is for consumers that came later, and may bring events
		// older than the consumer remembers handling; the event store
		// remembers every mail sent.
		if first, sent, err := n.sentBefore(ctx, stream); err != nil {
			return r, err
		} else if sent {
			r.Effect = first
			return r, fmt.Errorf("%w: replayed event, mailed before", consumer.ErrSkip)
		}
	}
	messageID, err := n.mail.Send(ctx, m)
	if err != nil {
		return r, fmt.Errorf("send %s mail: %w", m.Template, err)
	}
	r.Effect = messageID
	r.Log = append(r.Log, slog.String("ses_message_id", messageID))
	n.metrics.Emit(map[string]string{contract.DimTemplate: m.Template}, metrics.CountOf(contract.MailsSent, 1))

	sent, err := events.New(events.NotificationSent{Template: m.Template, UserID: m.UserID, Subject: m.Subject, MessageID: messageID},
		tracing.Metadata(ctx, events.Metadata{CorrelationID: env.Metadata.CorrelationID, CausationID: env.EventID, TraceHeader: env.Metadata.TraceHeader}))
	if err == nil {
		var duplicate bool
		duplicate, err = n.record(ctx, stream, sent)
		if duplicate {
			r.Log = append(r.Log, slog.Bool("duplicate", true))
		}
	}
	if err != nil {
		return r, consumer.AfterEffect(fmt.Errorf("record %s mail %s: %w", m.Template, messageID, err))
	}
	return r, nil
}

// sentBefore says whether stream records a mail, and the message id of
// the first.
func (n *Notifier) sentBefore(ctx context.Context, stream string) (messageID string, sent bool, err error) {
	records, err := n.events.Load(ctx, stream, 1)
	if err != nil {
		return "", false, fmt.Errorf("look for a mail sent before: %w", err)
	}
	if len(records) == 0 {
		return "", false, nil
	}
	p, err := events.Decode[events.NotificationSent](records[0].Envelope)
	if err != nil {
		return "", true, nil // sent all the same; only the id is unreadable
	}
	return p.MessageID, true, nil
}

// recordAttempts bounds the attempts at recording a mail sent. The SDK has
// retried each call already; a few more within a fraction of a second
// ride out a short conflict or throttling without holding the invocation
// near its timeout.
const recordAttempts = 3

// recordJitter waits up to 100 ms before the first retry of a record, up
// to 200 ms before the second, and so on, so that the messages of a batch
// do not retry in step.
var recordJitter = backoff.Jittered(100*time.Millisecond, 1600*time.Millisecond)

// record appends sent at the start of stream. The append is idempotent:
// if the stream has an event already, the mail was recorded before — by
// an earlier attempt whose answer was lost, or an earlier delivery — and
// record says it found a duplicate.
func (n *Notifier) record(ctx context.Context, stream string, sent events.Envelope) (duplicate bool, err error) {
	next := n.recordBackoff
	if next == nil {
		next = recordJitter
	}
	for attempt := 1; ; attempt++ {
		err := n.events.Append(ctx, stream, 0, sent)
		if errors.Is(err, eventstore.ErrConcurrency) {
			return true, nil
		}
		if err == nil || attempt == recordAttempts || consumer.IsPermanent(err) {
			return false, err
		}
		if !backoff.Wait(ctx, next(attempt), time.Second) {
			return false, err // leave the rest of the invocation to complete the event
		}
	}
}
