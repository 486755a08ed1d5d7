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
	Shipped   Status = "SHIPPED"
)

// Order is an order's current state, folded from its events: the event
// store is the only truth, and an order has few events.
type Order struct {
	OrderID      string     `json:"orderId"`
	UserID       string     `json:"userId"`
	Status       Status     `json:"status"`
	Items        []Line     `json:"items"`
	Currency     string     `json:"currency"`
	TotalCents   int64      `json:"totalCents"`
	PlacedAt     time.Time  `json:"placedAt"`
	CancelledAt  *time.Time `json:"cancelledAt,omitempty"`
	CancelReason string     `json:"cancelReason,omitempty"`
	ShippedAt    *time.Time `json:"shippedAt,omitempty"`
	// Carrier and TrackingNumber say who carries a shipped order.
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"trackingNumber,omitempty"`
	// Version is the order stream's version this state reflects.
	Version int `json:"version"`

	customer events.Person
}

// Line is a line of an order as the API takes and shows it: so many of an
// item at a unit price in the order's currency, in its minor unit.
type Line struct {
	SKU            string `json:"sku"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unitPriceCents"`
}

// fold replays an order's events, oldest first, each read at its type's
// latest version whichever version it was written in. An event of a type
// this build does not know changes nothing it knows of the order: a newer
// build's, read by an older one during a deployment.
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
			o = Order{OrderID: p.OrderID, UserID: p.Customer.UserID, Status: Placed,
				Currency: p.Total.Currency, TotalCents: p.Total.AmountMinor, PlacedAt: env.Timestamp, customer: p.Customer}
			for _, it := range p.Items {
				o.Items = append(o.Items, Line{SKU: it.SKU, Quantity: it.Quantity, UnitPriceCents: it.UnitPrice.AmountMinor})
			}
		case events.TypeOrderCancelled:
			p, err := events.Decode[events.OrderCancelled](env)
			if err != nil {
				return Order{}, fmt.Errorf("order v%d: %w", r.Version, err)
			}
			at := env.Timestamp
			o.Status, o.CancelledAt, o.CancelReason = Cancelled, &at, p.Reason
		case events.TypeOrderShipped:
			p, err := events.Decode[events.OrderShipped](env)
			if err != nil {
				return Order{}, fmt.Errorf("order v%d: %w", r.Version, err)
			}
			at := env.Timestamp
			o.Status, o.ShippedAt, o.Carrier, o.TrackingNumber = Shipped, &at, p.Carrier, p.TrackingNumber
		default:
			// Not an event of this build's orders: the version moves on,
			// nothing else does.
		}
		o.Version = r.Version
	}
	return o, nil
}
