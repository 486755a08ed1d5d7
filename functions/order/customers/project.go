package main

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
)

// Customers keeps customers; see customer.Table.
type Customers interface {
	// Put records a customer; putting the same one again changes nothing.
	// It is safe for concurrent use.
	Put(ctx context.Context, c events.Customer) error
}

// Projector keeps the order service's customers from user events.
type Projector struct {
	customers Customers
}

// Project records the customer a user.registered event introduces, and
// returns the customer's user id as its result. Other event types are
// skipped.
func (p *Projector) Project(ctx context.Context, env events.Envelope) (consumer.Result, error) {
	if env.EventType != events.TypeUserRegistered {
		return consumer.Result{}, fmt.Errorf("%w: %s", consumer.ErrSkip, env.EventType)
	}
	u, err := events.Decode[events.UserRegistered](env)
	if err != nil {
		return consumer.Result{}, err
	}
	if err := p.customers.Put(ctx, events.Customer{UserID: u.UserID, Email: u.Email, Name: u.Name}); err != nil {
		return consumer.Result{}, err
	}
	return consumer.Result{Effect: "customer " + u.UserID}, nil
}
