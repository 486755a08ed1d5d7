package main

import (
	"context"

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

// Routes are the events the projection keeps customers from.
func (p *Projector) Routes() consumer.Routes {
	return consumer.Route(consumer.On(p.registered))
}

// registered records the customer a user.registered event introduces, and
// returns the customer's user id as its result.
func (p *Projector) registered(ctx context.Context, u events.UserRegistered, _ events.Envelope) (consumer.Result, error) {
	if err := p.customers.Put(ctx, events.Customer{UserID: u.UserID, Email: u.Email, Name: u.Name}); err != nil {
		return consumer.Result{}, err
	}
	return consumer.Result{Effect: "customer " + u.UserID}, nil
}
