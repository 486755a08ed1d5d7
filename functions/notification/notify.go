package main

import (
	"context"

	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/backoff"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/internal/secret"
	"github.com/eventshop/eventshop/functions/internal/tracing"
	"github.com/eventshop/eventshop/keyring"
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
	// Version returns the stream's latest version, 0 if it has none.
	Version(ctx context.Context, streamID string) (int, error)
}

// Tokens decrypts the secrets that events carry for the notification
// function alone; see secret.Box.
type Tokens interface {
	// Open returns the secret of the subject (a user id).
	Open(ctx context.Context, subject string, s events.Secret) (string, error)
}

var (
	_ Recorder = (*eventstore.Dynamo)(nil)
	_ Tokens   = (*secret.Box)(nil)
)

// Notifier turns events into mail and records each mail it sent. It opens
// each recipient's contact to write to them, and writes to nobody who was
// forgotten.
type Notifier struct {
	mail   Mailer
	events Recorder
	keys   keyring.Keys
	// resetTokens decrypts password reset tokens.
	resetTokens Tokens
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
		mail(n, plain(welcomeMail)),
		mail(n, n.passwordResetMail),
		mail(n, plain(orderConfirmationMail)),
		mail(n, plain(orderRejectedMail)),
		mail(n, plain(orderExpiredMail)),
		mail(n, plain(orderCancellationMail)),
		mail(n, plain(orderShippedMail)),
	)
}

// Handler is the notification function's Lambda handler: the consumer of
// the routes, with each invocation reading each recipient's data key once.
func (n *Notifier) Handler(c *consumer.Consumer) (consumer.Lambda, error) {
	handle, err := c.Serve(n.Routes())
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		return handle(keyring.WithCache(ctx), ev)
	}, nil
}

// composer writes the mail an event of T's type calls for, to the
// contact of its data subject.
type composer[T events.Personal] func(ctx context.Context, p T, to events.Contact) (Mail, error)

// plain is the composer of a mail that needs nothing but the event.
func plain[T events.Personal](write func(T, events.Contact) Mail) composer[T] {
	return func(_ context.Context, p T, to events.Contact) (Mail, error) { return write(p, to), nil }
}

// mail is the handler that sends the mail compose writes for each event
// of T's type, to its data subject; see Notifier.send. A subject who was
// forgotten gets none: their contact opens to nothing.
func mail[T events.Personal](n *Notifier, compose composer[T]) consumer.Handler {
	return consumer.On(func(ctx context.Context, p T, env events.Envelope) (consumer.Result, error) {
		subject := p.DataSubject()
		r := consumer.Result{Log: []slog.Attr{slog.String("user_id", subject.UserID)}}
		if subject.Contact.Subject != subject.UserID {
			return r, consumer.Permanent(fmt.Errorf("%w: the contact is sealed for another person than the one it names", events.ErrInvalid))
		}
		to, err := keyring.Open(ctx, n.keys, subject.Contact)
		switch {
		case errors.Is(err, keyring.ErrForgotten):
			return r, fmt.Errorf("%w: the recipient was forgotten", consumer.ErrSkip)
		case errors.Is(err, keyring.ErrUnreadable):
			return r, consumer.Permanent(err)
		case err != nil:
			return r, err
		}
		m, err := compose(ctx, p, to)
		if err != nil {
			return r, err
		}
		if suppressed, err := n.suppressed(ctx, subject.UserID); err != nil {
			return r, err
		} else if suppressed {
			n.metrics.Emit(map[string]string{contract.DimTemplate: m.Template}, metrics.CountOf(contract.MailsSuppressed, 1))
			r.Log = append(r.Log, slog.String("template", m.Template))
			return r, fmt.Errorf("%w: the recipient is suppressed: a mail to them bounced for good, or they complained", consumer.ErrSkip)
		}
		return n.send(ctx, env, m)
	})
}

// suppressed says whether no mail may go to the user: the bounces
// function started their suppression stream.
func (n *Notifier) suppressed(ctx context.Context, userID string) (bool, error) {
	version, err := n.events.Version(ctx, contract.SuppressionStream.ID(userID))
	if err != nil {
		return false, fmt.Errorf("read the suppression of %s: %w", userID, err)
	}
	return version > 0, nil
}

// passwordResetMail decrypts the reset token for the mail's link. A reset
// whose token expired is not mailed: a delayed or replayed one would only
// send a link that no longer works.
func (n *Notifier) passwordResetMail(ctx context.Context, p events.UserPasswordReset, to events.Contact) (Mail, error) {
	if time.Now().After(p.ExpiresAt) {
		return Mail{}, fmt.Errorf("%w: the reset expired at %s", consumer.ErrSkip, p.ExpiresAt.Format(time.RFC3339))
	}
	token, err := n.resetTokens.Open(ctx, p.UserID, p.Token)
	if errors.Is(err, secret.ErrMissing) {
		return Mail{}, consumer.Permanent(err)
	}
	if err != nil {
		return Mail{}, err
	}
	return passwordResetMail(p, to, n.resetURL+"?token="+url.QueryEscape(token)), nil
}

// send sends m, the mail that env calls for, and returns the message id
// the mail service gave it, then records notification.sent in stream
// notification-<eventId>, caused by env and in its flow. It returns an
// error wrapping consumer.ErrSkip for a replayed event whose mail was sent
// before. Once the mail is sent, it never asks for it to be sent again: a
// record that cannot be written after a few attempts is a
// consumer.AfterEffect.
func (n *Notifier) send(ctx context.Context, env events.Envelope, m Mail) (consumer.Result, error) {
	m.EventID = env.EventID
	r := consumer.Result{Log: []slog.Attr{slog.String("template", m.Template), slog.String("user_id", m.UserID)}}
	stream := contract.NotificationStream.ID(env.EventID)
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
