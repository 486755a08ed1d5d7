package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/events"
)

// Mailer sends mail.
type Mailer interface {
	// Send delivers m. An error means the mail may not have been sent; the
	// caller may send it again.
	Send(ctx context.Context, m Mail) error
}

// ErrNotMine means the notifier has no mail for an event type; such events
// are acknowledged, not retried.
var ErrNotMine = errors.New("no notification for this event type")

// Notifier turns events into mail.
type Notifier struct {
	mail Mailer
}

// Notify sends the mail that env calls for and returns its recipient. It
// returns ErrNotMine for an event type it does not handle.
func (n *Notifier) Notify(ctx context.Context, env events.Envelope) (to string, err error) {
	m, err := compose(env)
	if err != nil {
		return "", err
	}
	if err := n.mail.Send(ctx, m); err != nil {
		return m.To, fmt.Errorf("send %s mail: %w", env.EventType, err)
	}
	return m.To, nil
}

// compose renders the mail for an event.
func compose(env events.Envelope) (Mail, error) {
	switch env.EventType {
	case events.TypeUserRegistered:
		p, err := events.Decode[events.UserRegistered](env)
		if err != nil {
			return Mail{}, err
		}
		return render("welcome", p.Email, "Welcome to eventshop, "+p.Name, p)
	}
	return Mail{}, fmt.Errorf("%w: %s", ErrNotMine, env.EventType)
}
