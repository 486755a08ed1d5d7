package main

import (
	"fmt"
	"time"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

// Status is where an order is in its life.
type Status string

// Statuses of an order.
const (
	Placed    Status = "PLACED"
	Cancelled Status = "CANCELLED"
)

// Order is an order's current state, folded from its events: the event
// store is the only truth, and an order has few events.
type Order struct {
	OrderID      string            `json:"orderId"`
	UserID       string            `json:"userId"`
	Status       Status            `json:"status"`
	Items        []events.LineItem `json:"items"`
	Currency     string            `json:"currency"`
	TotalCents   int64             `json:"totalCents"`
	PlacedAt     time.Time         `json:"placedAt"`
	CancelledAt  *time.Time        `json:"cancelledAt,omitempty"`
	CancelReason string            `json:"cancelReason,omitempty"`
	// Version is the order stream's version this state reflects.
	Version int `json:"version"`

	customer events.Customer
}

// fold replays an order's events, oldest first.
func fold(records []eventstore.Record) (Order, error) {
	var o Order
	for _, r := range records {
		env := r.Envelope
		switch env.EventType {
		case events.TypeOrderPlaced:
			p, err := events.Decode[events.OrderPlaced](env)
			if err != nil {
				return Order{}, fmt.Errorf("order v%d: %w", r.Version, err)
			}
			o = Order{OrderID: p.OrderID, UserID: p.Customer.UserID, Status: Placed, Items: p.Items,
				Currency: p.Currency, TotalCents: p.TotalCents, PlacedAt: env.Timestamp, customer: p.Customer}
		case events.TypeOrderCancelled:
			p, err := events.Decode[events.OrderCancelled](env)
			if err != nil {
				return Order{}, fmt.Errorf("order v%d: %w", r.Version, err)
			}
			at := env.Timestamp
			o.Status, o.CancelledAt, o.CancelReason = Cancelled, &at, p.Reason
		default:
			return Order{}, fmt.Errorf("order v%d: unexpected %s", r.Version, env.EventType)
		}
		o.Version = r.Version
	}
	return o, nil
}
