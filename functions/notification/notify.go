package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/internal/money"
	"github.com/eventshop/eventshop/functions/internal/tracing"
)

// Mailer sends mail.
type Mailer interface {
	// Send delivers m and returns the message id the mail service gave it.
	// An error means the mail may not have been sent; the caller may send
	// it again. It is safe for concurrent use.
	Send(ctx context.Context, m Mail) (messageID string, err error)
}

// Recorder appends events to the event store; see eventstore.Dynamo.
type Recorder interface {
	// Append stores envs at versions expected+1… of the stream, all or
	// nothing, or returns an error wrapping eventstore.ErrConcurrency if
	// the stream is not at version expected.
	Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error
}

// Notifier turns events into mail and records each mail it sent.
type Notifier struct {
	mail   Mailer
	events Recorder
	// resetURL is the page that takes a password reset token, e.g.
	// https://shop.example/reset; the mail links to it with ?token=.
	resetURL string
	metrics  *metrics.Emitter
}

// Notify sends the mail that env calls for, then records notification.sent
// in stream notification-<eventId>, caused by env and in its flow. It
// returns an error wrapping consumer.ErrSkip for event types that call for
// no mail.
func (n *Notifier) Notify(ctx context.Context, env events.Envelope) error {
	m, err := n.compose(env)
	if err != nil {
		return err
	}
	consumer.Annotate(ctx, slog.String("template", m.Template), slog.String("to", maskEmail(m.To)))
	messageID, err := n.mail.Send(ctx, m)
	if err != nil {
		return fmt.Errorf("send %s mail: %w", m.Template, err)
	}
	consumer.Annotate(ctx, slog.String("ses_message_id", messageID))
	n.metrics.Emit(map[string]string{"Template": m.Template}, metrics.CountOf("MailsSent", 1))

	sent, err := events.New(events.NotificationSent{Template: m.Template, UserID: m.UserID, Subject: m.Subject, MessageID: messageID},
		tracing.Metadata(ctx, events.Metadata{CorrelationID: env.Metadata.CorrelationID, CausationID: env.EventID, TraceHeader: env.Metadata.TraceHeader}))
	if err != nil {
		return fmt.Errorf("record %s mail: %w", m.Template, err)
	}
	err = n.events.Append(ctx, "notification-"+env.EventID, 0, sent)
	if errors.Is(err, eventstore.ErrConcurrency) {
		// A mail for this event was sent and recorded before: this
		// delivery was a duplicate.
		consumer.Annotate(ctx, slog.Bool("duplicate", true))
		return nil
	}
	if err != nil {
		return fmt.Errorf("record %s mail: %w", m.Template, err)
	}
	return nil
}

// compose renders the mail for an event.
func (n *Notifier) compose(env events.Envelope) (Mail, error) {
	switch env.EventType {
	case events.TypeUserRegistered:
		p, err := events.Decode[events.UserRegistered](env)
		if err != nil {
			return Mail{}, err
		}
		return render("welcome", p.UserID, p.Email, "Welcome to eventshop, "+p.Name, p)

	case events.TypeUserPasswordReset:
		p, err := events.Decode[events.UserPasswordReset](env)
		if err != nil {
			return Mail{}, err
		}
		data := struct {
			events.UserPasswordReset
			Link string
		}{p, n.resetURL + "?token=" + url.QueryEscape(p.Token)}
		return render("password-reset", p.UserID, p.Email, "Reset your eventshop password", data)

	case events.TypeOrderPlaced:
		p, err := events.Decode[events.OrderPlaced](env)
		if err != nil {
			return Mail{}, err
		}
		cur, _ := money.Lookup(p.Currency)
		data := orderMail{OrderID: p.OrderID, Customer: p.Customer, Total: cur.Format(p.TotalCents)}
		for _, it := range p.Items {
			data.Lines = append(data.Lines, orderLine{SKU: it.SKU, Quantity: it.Quantity,
				UnitPrice: cur.Format(it.UnitPriceCents), Amount: cur.Format(it.UnitPriceCents * int64(it.Quantity))})
		}
		return render("order-confirmation", p.Customer.UserID, p.Customer.Email, "Your eventshop order "+shortID(p.OrderID), data)

	case events.TypeOrderCancelled:
		p, err := events.Decode[events.OrderCancelled](env)
		if err != nil {
			return Mail{}, err
		}
		cur, _ := money.Lookup(p.Currency)
		data := orderMail{OrderID: p.OrderID, Customer: p.Customer, Total: cur.Format(p.TotalCents), Reason: p.Reason}
		return render("order-cancellation", p.Customer.UserID, p.Customer.Email, "Your eventshop order "+shortID(p.OrderID)+" is cancelled", data)
	}
	return Mail{}, fmt.Errorf("%w: no mail for %s", consumer.ErrSkip, env.EventType)
}

type orderMail struct {
	OrderID  string
	Customer events.Customer
	Lines    []orderLine
	Total    string
	Reason   string
}

type orderLine struct {
	SKU       string
	Quantity  int
	UnitPrice string
	Amount    string
}

// shortID is the first block of a UUID, enough to tell orders apart in a
// subject line.
func shortID(id string) string {
	if len(id) >= 8 {
		return id[:8]
	}
	return id
}
