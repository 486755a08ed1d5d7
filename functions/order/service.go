package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/api"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/internal/money"
	"github.com/eventshop/eventshop/functions/order/customer"
	"github.com/eventshop/eventshop/keyring"
)

// Domain errors of the order service.
var (
	// ErrNotFound means there is no order with the id.
	ErrNotFound = failure.New(failure.NotFound, "no such order")
	// ErrAlreadyCancelled means the order was cancelled before: a cancel
	// happens once.
	ErrAlreadyCancelled = failure.New(failure.Conflict, "the order is already cancelled")
	// ErrChanged means another change to the order won the race with this
	// one, which the caller may try again after reading the order.
	ErrChanged = failure.New(failure.Conflict, "the order changed meanwhile; read it again")
	// ErrShipped means a shipped order was to be cancelled.
	ErrShipped = failure.New(failure.Conflict, "the order has shipped and cannot be cancelled")
	// ErrAlreadyShipped means the order shipped before: it ships once.
	ErrAlreadyShipped = failure.New(failure.Conflict, "the order has shipped already")
	// ErrCancelled means a cancelled order was to be shipped.
	ErrCancelled = failure.New(failure.Conflict, "the order is cancelled and cannot ship")
	// ErrNotConfirmed means an order still being checked out was to be
	// cancelled or shipped: its payment and stock are being taken.
	ErrNotConfirmed = failure.New(failure.Conflict, "the order is not confirmed yet: its payment and stock are being taken; try again in a moment")
	// ErrDidNotGoThrough means a rejected or expired order was to be
	// cancelled or shipped: it holds nothing.
	ErrDidNotGoThrough = failure.New(failure.Conflict, "the order did not go through (rejected or expired): there is nothing to cancel or ship")
	// ErrUnknownCustomer means the order names a user that the customers
	// projection does not hold (yet).
	ErrUnknownCustomer = &failure.Error{Kind: failure.Unprocessable, Field: "userId",
		Message: "is not a known customer (a user who registered a moment ago becomes one within seconds)"}
)

// Events is the order service's event store; see eventstore.Dynamo.
type Events interface {
	// Append stores envs at versions expected+1… of the stream, all or
	// nothing, or returns an error wrapping eventstore.ErrConcurrency.
	Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error
	// Load returns the stream's records from version from on, in order.
	Load(ctx context.Context, streamID string, from int) ([]eventstore.Record, error)
}

// Customers tells whom orders may be placed for; see customer.Table.
type Customers interface {
	// Get returns the customer, or customer.ErrNotFound.
	Get(ctx context.Context, userID string) (events.Person, error)
}

var (
	_ Events       = (*eventstore.Dynamo)(nil)
	_ Customers    = (*customer.Table)(nil)
	_ keyring.Keys = (*keyring.Keyring)(nil)
)

// Service places, shows and cancels orders. It is safe for concurrent use.
// It never opens a customer's contact to take an order: it copies it,
// sealed, from the customers table into the order's events. keys open it
// for the order's history only.
type Service struct {
	events    Events
	customers Customers
	keys      keyring.Keys
	metrics   *metrics.Emitter
}

// Placement is the body of POST /orders.
type Placement struct {
	UserID        string `json:"userId"`
	Items         []Line `json:"items"`
	Currency      string `json:"currency"`
	PaymentMethod string `json:"paymentMethod,omitempty"`
	// IdempotencyKey is the request's Idempotency-Key header, if any.
	IdempotencyKey string `json:"-"`
}

// Shipment is the body of POST /orders/{orderId}/ship.
type Shipment struct {
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"trackingNumber"`
}

// Cancellation is the optional body of POST /orders/{orderId}/cancel.
type Cancellation struct {
	Reason string `json:"reason"`
}

func streamID(orderID string) string { return contract.OrderStream.ID(orderID) }

// Place appends order.placed at version 1 of a new order's
// stream, caused by the request that meta describes. It returns the new
// order and the event it appended.
//
// With an idempotency key, the order's id is made from the user's and the
// key (a name-based UUID), so that the request sent again — after a
// timeout, say — meets the order it placed: Place then returns that order
// as it is now, and no event. The same key with another placement is a
// conflict.
func (s *Service) Place(ctx context.Context, p Placement, meta events.Metadata) (Order, events.Envelope, error) {
	if err := p.validate(); err != nil {
		return Order{}, events.Envelope{}, err
	}
	c, err := s.customers.Get(ctx, p.UserID)
	if errors.Is(err, customer.ErrNotFound) {
		return Order{}, events.Envelope{}, ErrUnknownCustomer
	}
	if err != nil {
		return Order{}, events.Envelope{}, err
	}
	placed := events.OrderPlaced{OrderID: p.orderID(), Customer: c, Total: events.Money{Currency: p.Currency}, PaymentMethod: p.PaymentMethod}
	for _, it := range p.Items {
		placed.Items = append(placed.Items, events.LineItem{SKU: it.SKU, Quantity: it.Quantity,
			UnitPrice: events.Money{AmountMinor: it.UnitPriceCents, Currency: p.Currency}})
		placed.Total.AmountMinor += it.UnitPriceCents * int64(it.Quantity)
	}
	env, err := events.New(placed, meta)
	if err != nil {
		return Order{}, events.Envelope{}, err
	}
	rec := eventstore.Record{StreamID: streamID(placed.OrderID), Version: 1, Envelope: env}
	err = s.events.Append(ctx, rec.StreamID, 0, env)
	if p.IdempotencyKey != "" && errors.Is(err, eventstore.ErrConcurrency) {
		o, err := s.placedBefore(ctx, placed)
		return o, events.Envelope{}, err
	}
	if err != nil {
		return Order{}, events.Envelope{}, fmt.Errorf("place order: %w", err)
	}
	s.metrics.Emit(map[string]string{contract.DimCurrency: placed.Total.Currency},
		metrics.CountOf(contract.OrdersPlaced, 1), metrics.Metric{Name: contract.OrderValue, Unit: metrics.None, Value: float64(placed.Total.AmountMinor)})
	o, err := fold([]eventstore.Record{rec})
	return o, env, err
}

// orderKeys is the namespace of the ids of orders placed with an
// idempotency key.
var orderKeys = uuid.MustParse("0b0e4c1e-5d2a-4a39-9a43-6f2d8f0e7c11")

// orderID is a new order's id: made from the user and the idempotency
// key, if there is one, else random.
func (p Placement) orderID() string {
	if p.IdempotencyKey == "" {
		return uuid.NewString()
	}
	return uuid.NewSHA1(orderKeys, []byte(p.UserID+"\n"+p.IdempotencyKey)).String()
}

// placedBefore returns the order that the same idempotency key placed,
// if it placed what placed says, and a conflict otherwise.
func (s *Service) placedBefore(ctx context.Context, placed events.OrderPlaced) (Order, error) {
	records, err := s.history(ctx, placed.OrderID)
	if err != nil {
		return Order{}, err
	}
	first, err := events.Decode[events.OrderPlaced](records[0].Envelope)
	if err != nil {
		return Order{}, err
	}
	if first.Customer.UserID != placed.Customer.UserID || first.Total != placed.Total ||
		first.PaymentMethod != placed.PaymentMethod || !slices.Equal(first.Items, placed.Items) {
		return Order{}, failure.New(failure.Conflict, "this %s placed another order: use a new key for a new order", contract.IdempotencyHeader)
	}
	return fold(records)
}

// looksLikeACardNumber says whether s holds a run of 12 or more digits,
// dashes between them allowed, as a card's number (its PAN, 12 to 19
// digits, often written in groups) would: the event store keeps
// order.placed for ever, and a card number must never be in it.
func looksLikeACardNumber(s string) bool {
	run := 0
	for _, r := range s {
		if r == '-' {
			continue
		}
		if r < '0' || r > '9' {
			run = 0
			continue
		}
		if run++; run >= 12 {
			return true
		}
	}
	return false
}

// validate checks what the request schema (api/schemas/place-order.json)
// cannot: that each item is ordered on one line, that the currency is one
// of ISO 4217's, that the payment method is no card number, and that an
// idempotency key is 1 to 255 visible ASCII characters.
func (p Placement) validate() error {
	seen := map[string]int{}
	for i, it := range p.Items {
		if j, dup := seen[it.SKU]; dup {
			return failure.InvalidField(fmt.Sprintf("items[%d].sku", i), "repeats items[%d]; order more of it there", j)
		}
		seen[it.SKU] = i
	}
	if _, ok := money.Lookup(p.Currency); !ok {
		return failure.InvalidField("currency", "must be an ISO 4217 code such as EUR or USD")
	}
	if looksLikeACardNumber(p.PaymentMethod) {
		return failure.InvalidField("paymentMethod", "looks like a card number: send the payment provider's token for the card, never the card's number")
	}
	if k := p.IdempotencyKey; k != "" && (len(k) > 255 || strings.ContainsFunc(k, func(r rune) bool { return r < '!' || r > '~' })) {
		return failure.InvalidField(contract.IdempotencyHeader, "must be 1 to 255 visible ASCII characters")
	}
	return nil
}

// Get returns an order's current state.
func (s *Service) Get(ctx context.Context, orderID string) (Order, error) {
	records, err := s.history(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	return fold(records)
}

// History returns an order's events, oldest first, each at its type's
// latest version, for people to read: the customer's contact opened, or
// shown as redacted once they are forgotten. It opens their key once.
func (s *Service) History(ctx context.Context, orderID string) ([]eventstore.Record, error) {
	records, err := s.history(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if records, err = eventstore.Latest(records); err != nil {
		return nil, err
	}
	ctx = keyring.WithCache(ctx)
	for i, r := range records {
		if records[i].Envelope.Data, err = keyring.Reveal(ctx, s.keys, r.Envelope.Data); err != nil {
			return nil, fmt.Errorf("order %s v%d: %w", orderID, r.Version, err)
		}
	}
	return records, nil
}

func (s *Service) history(ctx context.Context, orderID string) ([]eventstore.Record, error) {
	if !api.ValidID(orderID) {
		return nil, failure.InvalidField("orderId", api.IDRule)
	}
	records, err := s.events.Load(ctx, streamID(orderID), 1)
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, ErrNotFound
	}
	return records, nil
}

// Cancel appends order.cancelled to a confirmed order, which asks the
// payment service to refund it and the inventory to take its items back.
// A cancel happens once, and not to a shipped order, nor to one that is
// not confirmed (yet); of two changes at once, one wins and the other
// gets ErrChanged. It returns the cancelled order and the event it
// appended.
func (s *Service) Cancel(ctx context.Context, orderID string, c Cancellation, meta events.Metadata) (Order, events.Envelope, error) {
	reason := strings.TrimSpace(c.Reason) // checked by api/schemas/cancel-order.json
	o, env, err := s.change(ctx, orderID, meta, func(o Order) (events.Payload, error) {
		switch o.Status {
		case Cancelled:
			return nil, ErrAlreadyCancelled
		case Shipped:
			return nil, ErrShipped
		case Placed:
			return nil, ErrNotConfirmed
		case Rejected, Expired:
			return nil, ErrDidNotGoThrough
		}
		return events.OrderCancelled{OrderID: o.OrderID, Customer: o.Customer, Reason: reason,
			Total: events.Money{AmountMinor: o.TotalCents, Currency: o.Currency}}, nil
	})
	if err == nil {
		s.metrics.Emit(map[string]string{contract.DimCurrency: o.Currency}, metrics.CountOf(contract.OrdersCancelled, 1))
	}
	return o, env, err
}

// Ship appends order.shipped to a confirmed order, once. It returns the
// shipped order and the event it appended.
func (s *Service) Ship(ctx context.Context, orderID string, sh Shipment, meta events.Metadata) (Order, events.Envelope, error) {
	return s.change(ctx, orderID, meta, func(o Order) (events.Payload, error) {
		switch o.Status {
		case Cancelled:
			return nil, ErrCancelled
		case Shipped:
			return nil, ErrAlreadyShipped
		case Placed:
			return nil, ErrNotConfirmed
		case Rejected, Expired:
			return nil, ErrDidNotGoThrough
		}
		return events.OrderShipped{OrderID: o.OrderID, Customer: o.Customer, Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber}, nil
	})
}

// change appends the event that decide makes of an order's current state,
// at the version it was read at, and returns the order after it: of two
// changes at once, the event store lets one win, and the other gets
// ErrChanged.
func (s *Service) change(ctx context.Context, orderID string, meta events.Metadata, decide func(Order) (events.Payload, error)) (Order, events.Envelope, error) {
	records, err := s.history(ctx, orderID)
	if err != nil {
		return Order{}, events.Envelope{}, err
	}
	o, err := fold(records)
	if err != nil {
		return Order{}, events.Envelope{}, err
	}
	p, err := decide(o)
	if err != nil {
		return Order{}, events.Envelope{}, err
	}
	env, err := events.New(p, meta)
	if err != nil {
		return Order{}, events.Envelope{}, err
	}
	err = s.events.Append(ctx, streamID(orderID), o.Version, env)
	if errors.Is(err, eventstore.ErrConcurrency) {
		return Order{}, events.Envelope{}, ErrChanged
	}
	if err != nil {
		return Order{}, events.Envelope{}, fmt.Errorf("%s order %s: %w", env.EventType, orderID, err)
	}
	o, err = fold(append(records, eventstore.Record{StreamID: streamID(orderID), Version: o.Version + 1, Envelope: env}))
	return o, env, err
}
