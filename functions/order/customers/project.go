package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/order/customer"
)

// Customers keeps customers; see customer.Table. It is safe for
// concurrent use.
type Customers interface {
	// Put records a customer; putting the same one again changes nothing,
	// and putting a forgotten one returns customer.ErrForgotten.
	Put(ctx context.Context, p events.Person) error
	// Forget keeps nothing of a customer, for good.
	Forget(ctx context.Context, userID string) error
}

var _ Customers = (*customer.Table)(nil)

// Projector keeps the order service's customers from user events.
type Projector struct {
	customers Customers
}

// Routes are the events the projection keeps customers from.
func (p *Projector) Routes() consumer.Routes {
	return consumer.Route(consumer.On(p.registered), consumer.On(p.forgotten))
}

// registered records the customer a user.registered event introduces,
// their contact as sealed as it came, and returns the customer's user id
// as its result. A user forgotten before it came is skipped.
func (p *Projector) registered(ctx context.Context, u events.UserRegistered, _ events.Envelope) (consumer.Result, error) {
	err := p.customers.Put(ctx, events.Person{UserID: u.UserID, Contact: u.Contact})
	if errors.Is(err, customer.ErrForgotten) {
		return consumer.Result{}, fmt.Errorf("%w: customer %s was forgotten", consumer.ErrSkip, u.UserID)
	}
	if err != nil {
		return consumer.Result{}, err
	}
	return consumer.Result{Effect: "customer " + u.UserID}, nil
}

// forgotten purges a forgotten user: the order service keeps nothing of
// them, and takes no order for them again.
func (p *Projector) forgotten(ctx context.Context, u events.UserForgotten, _ events.Envelope) (consumer.Result, error) {
	if err := p.customers.Forget(ctx, u.UserID); err != nil {
		return consumer.Result{}, err
	}
	return consumer.Result{Effect: "forgot customer " + u.UserID}, nil
}
