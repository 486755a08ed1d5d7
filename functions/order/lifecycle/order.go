// Package lifecycle is an order's life: its state, folded from its
// events, and the decisions of the checkout that move it: an order placed
// is confirmed
// once its payment is authorized and its items reserved, in either order;
// rejected, with the reason, as soon as either fails; expired if neither
// came by its deadline. The order function, and the order service's
// readers of the checkout's outcomes and deadlines, share it.
package lifecycle

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
	// Placed: the payment and the stock are being taken.
	Placed Status = "PLACED"
	// Confirmed: paid and reserved; it may ship or be cancelled.
	Confirmed Status = "CONFIRMED"
	// Rejected: the payment or the stock failed; Reason says which.
	Rejected Status = "REJECTED"
	// Expired: neither confirmed nor rejected by its deadline.
	Expired   Status = "EXPIRED"
	Cancelled Status = "CANCELLED"
	Shipped   Status = "SHIPPED"
)

// Order is an order's current state, folded from its events: the event
// store is the only truth, and an order has few events.
type Order struct {
	OrderID    string    `json:"orderId"`
	UserID     string    `json:"userId"`
	Status     Status    `json:"status"`
	Items      []Line    `json:"items"`
	Currency   string    `json:"currency"`
	TotalCents int64     `json:"totalCents"`
	PlacedAt   time.Time `json:"placedAt"`
	// Reason says why an order was rejected: events.RejectedPaymentDeclined,
	// RejectedOutOfStock or RejectedPaymentUnavailable.
	Reason string `json:"reason,omitempty"`
	// OutOfStock names the item that was short, if that is the reason.
	OutOfStock   string     `json:"outOfStock,omitempty"`
	ConfirmedAt  *time.Time `json:"confirmedAt,omitempty"`
	EndedAt      *time.Time `json:"endedAt,omitempty"` // rejected or expired
	CancelledAt  *time.Time `json:"cancelledAt,omitempty"`
	CancelReason string     `json:"cancelReason,omitempty"`
	ShippedAt    *time.Time `json:"shippedAt,omitempty"`
	// Carrier and TrackingNumber say who carries a shipped order.
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"trackingNumber,omitempty"`
	// Version is the order stream's version this state reflects.
	Version int `json:"version"`

	// Customer is whom the order is for, their contact sealed.
	Customer events.Person `json:"-"`
	// Paid and Reserved say which halves of the checkout are done.
	Paid, Reserved bool `json:"-"`
}

// Line is a line of an order as the API takes and shows it: so many of an
// item at a unit price in the order's currency, in its minor unit.
type Line struct {
	SKU            string `json:"sku"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unitPriceCents"`
}

// Fold replays an order's events, oldest first, each read at its type's
// latest version whichever version it was written in. An event of a type
// this build does not know changes nothing it knows of the order: a newer
// build's, read by an older one during a deployment.
func Fold(records []eventstore.Record) (Order, error) {
	var o Order
	for _, r := range records {
		if err := o.apply(r.Envelope); err != nil {
			return Order{}, fmt.Errorf("order v%d: %w", r.Version, err)
		}
		o.Version = r.Version
	}
	return o, nil
}

func (o *Order) apply(env events.Envelope) error {
	at := env.Timestamp
	switch env.EventType {
	case events.TypeOrderPlaced:
		p, err := events.Decode[events.OrderPlaced](env)
		if err != nil {
			return err
		}
		*o = Order{OrderID: p.OrderID, UserID: p.Customer.UserID, Status: Placed,
			Currency: p.Total.Currency, TotalCents: p.Total.AmountMinor, PlacedAt: at, Customer: p.Customer}
		for _, it := range p.Items {
			o.Items = append(o.Items, Line{SKU: it.SKU, Quantity: it.Quantity, UnitPriceCents: it.UnitPrice.AmountMinor})
		}
	case events.TypeOrderPaymentAuthorized:
		o.Paid = true
	case events.TypeOrderStockReserved:
		o.Reserved = true
	case events.TypeOrderConfirmed:
		o.Status, o.ConfirmedAt = Confirmed, &at
	case events.TypeOrderRejected:
		p, err := events.Decode[events.OrderRejected](env)
		if err != nil {
			return err
		}
		o.Status, o.EndedAt, o.Reason, o.OutOfStock = Rejected, &at, p.Reason, p.SKU
	case events.TypeOrderExpired:
		o.Status, o.EndedAt = Expired, &at
	case events.TypeOrderCancelled:
		p, err := events.Decode[events.OrderCancelled](env)
		if err != nil {
			return err
		}
		o.Status, o.CancelledAt, o.CancelReason = Cancelled, &at, p.Reason
	case events.TypeOrderShipped:
		p, err := events.Decode[events.OrderShipped](env)
		if err != nil {
			return err
		}
		o.Status, o.ShippedAt, o.Carrier, o.TrackingNumber = Shipped, &at, p.Carrier, p.TrackingNumber
	}
	return nil
}

func (o Order) total() events.Money {
	return events.Money{AmountMinor: o.TotalCents, Currency: o.Currency}
}
