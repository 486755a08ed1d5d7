package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/tracing"
)

// Events is the payment service's event store; see eventstore.Dynamo.
type Events interface {
	// Append stores envs at versions expected+1… of the stream, all or
	// nothing, or returns an error wrapping eventstore.ErrConcurrency.
	Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error
	// Load returns the stream's records from version from on, in order.
	Load(ctx context.Context, streamID string, from int) ([]eventstore.Record, error)
}

var _ Events = (*eventstore.Dynamo)(nil)

// Payments takes an order's payment when it is placed, and gives it back
// when the order ends otherwise: it voids the authorization of an order
// rejected or expired, and refunds a confirmed order that is cancelled.
// What it did for an order is stream payment-<orderId>, which it reads
// before each call to the provider: a duplicate or reordered event finds
// the call made, or that there is none to make. It is safe for
// concurrent use.
type Payments struct {
	events   Events
	provider Provider
	// retries are the waits before asking an unavailable provider again,
	// within one delivery; after the last, the payment is declined as
	// unavailable.
	retries []time.Duration
}

// Routes are the order events the payment service acts on.
func (p *Payments) Routes() consumer.Routes {
	return consumer.Route(
		consumer.On(p.placed),
		consumer.On(func(ctx context.Context, o events.OrderRejected, env events.Envelope) (consumer.Result, error) {
			return p.void(ctx, o.OrderID, o.Total, env)
		}),
		consumer.On(func(ctx context.Context, o events.OrderExpired, env events.Envelope) (consumer.Result, error) {
			return p.void(ctx, o.OrderID, o.Total, env)
		}),
		consumer.On(p.cancelled),
	)
}

// state is where an order's payment is, folded from its stream.
type state int

const (
	nothingYet state = iota
	authorized
	declined
	voided // nothing is held, and nothing will be
	refunded
)

type payment struct {
	state           state
	authorizationID string
	version         int
}

func (p *Payments) load(ctx context.Context, orderID string) (payment, error) {
	records, err := p.events.Load(ctx, contract.PaymentStream.ID(orderID), 1)
	if err != nil {
		return payment{}, err
	}
	var pay payment
	for _, r := range records {
		switch r.Envelope.EventType {
		case events.TypePaymentAuthorized:
			a, err := events.Decode[events.PaymentAuthorized](r.Envelope)
			if err != nil {
				return payment{}, consumer.Permanent(fmt.Errorf("%s v%d: %w", r.StreamID, r.Version, err))
			}
			pay.state, pay.authorizationID = authorized, a.AuthorizationID
		case events.TypePaymentDeclined:
			pay.state = declined
		case events.TypePaymentVoided:
			pay.state = voided
		case events.TypePaymentRefunded:
			pay.state = refunded
		}
		pay.version = r.Version
	}
	return pay, nil
}

// record appends what was done for the order at the version after
// expected.
func (p *Payments) record(ctx context.Context, orderID string, expected int, what events.Payload, cause events.Envelope) (consumer.Result, error) {
	env, err := events.New(what, tracing.Metadata(ctx, events.CausedBy(cause)))
	if err != nil {
		return consumer.Result{}, consumer.Permanent(err)
	}
	if err := p.events.Append(ctx, contract.PaymentStream.ID(orderID), expected, env); err != nil {
		return consumer.Result{}, err
	}
	return consumer.Result{Effect: env.EventType + " " + env.EventID}, nil
}

// placed authorizes a new order's total. A provider that answers that
// it is unavailable is asked again after each of p.retries, and then the
// payment is declined as unavailable; a provider that does not answer
// leaves the event to be delivered again, and the order to its deadline.
func (p *Payments) placed(ctx context.Context, o events.OrderPlaced, env events.Envelope) (consumer.Result, error) {
	if env.Metadata.Replay {
		// A placement published again from the store (evctl replay) is
		// history, not a customer paying: the order was decided long ago.
		return consumer.Result{}, fmt.Errorf("%w: a replayed placement takes no payment", consumer.ErrSkip)
	}
	pay, err := p.load(ctx, o.OrderID)
	if err != nil {
		return consumer.Result{}, err
	}
	switch pay.state {
	case nothingYet:
	case voided:
		// The order ended first, but an earlier delivery of this placement
		// may hold an authorization all the same: one answered after the
		// client gave up, or one whose void failed after the stream was
		// closed. Void again, as often as it comes: the provider takes it.
		if err := p.provider.Void(ctx, o.OrderID); err != nil {
			return consumer.Result{}, fmt.Errorf("void what an earlier delivery may hold: %w", err)
		}
		return consumer.Result{}, fmt.Errorf("%w: the order ended; whatever was authorized for it is voided", consumer.ErrSkip)
	default:
		return consumer.Result{}, fmt.Errorf("%w: the order's payment was dealt with before", consumer.ErrSkip)
	}
	authorizationID, err := p.authorize(ctx, o)
	var what events.Payload
	switch {
	case err == nil:
		what = events.PaymentAuthorized{OrderID: o.OrderID, AuthorizationID: authorizationID, Amount: o.Total}
	case errors.Is(err, ErrDeclined):
		what = events.PaymentDeclined{OrderID: o.OrderID, Amount: o.Total, Reason: events.DeclinedByProvider}
	case errors.Is(err, ErrUnavailable):
		what = events.PaymentDeclined{OrderID: o.OrderID, Amount: o.Total, Reason: events.ProviderUnavailable}
	default:
		return consumer.Result{}, fmt.Errorf("authorize: %w", err)
	}
	r, err := p.record(ctx, o.OrderID, 0, what, env)
	if !errors.Is(err, eventstore.ErrConcurrency) {
		return r, err
	}
	// Something was recorded while the provider was asked: the order
	// ended, and its payment stream was closed. An authorization made
	// meanwhile is not the order's to keep.
	if pay, err = p.load(ctx, o.OrderID); err != nil {
		return consumer.Result{}, err
	}
	if pay.state == voided && authorizationID != "" {
		if err := p.provider.Void(ctx, o.OrderID); err != nil {
			return consumer.Result{}, fmt.Errorf("void the authorization of an order that ended: %w", err)
		}
		return consumer.Result{Effect: "voided " + authorizationID + ": the order ended while it was authorized"}, nil
	}
	return consumer.Result{}, fmt.Errorf("%w: the order's payment was dealt with meanwhile", consumer.ErrSkip)
}

func (p *Payments) authorize(ctx context.Context, o events.OrderPlaced) (string, error) {
	for attempt := 0; ; attempt++ {
		id, err := p.provider.Authorize(ctx, o.OrderID, o.Total, o.PaymentMethod)
		if !errors.Is(err, ErrUnavailable) || attempt == len(p.retries) {
			return id, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(p.retries[attempt]):
		}
	}
}

// void lets go of the payment of an order that was rejected or expired.
// If the order ended before its payment was taken, it closes the stream
// with a payment.voided without an authorization, after voiding at the
// provider all the same (an authorization whose answer was lost may be
// held there): a late order.placed then takes nothing.
func (p *Payments) void(ctx context.Context, orderID string, total events.Money, env events.Envelope) (consumer.Result, error) {
	return p.end(ctx, orderID, env, func(pay payment) (events.Payload, error) {
		if pay.state != nothingYet && pay.state != authorized {
			return nil, nil
		}
		if err := p.provider.Void(ctx, orderID); err != nil {
			return nil, fmt.Errorf("void: %w", err)
		}
		return events.PaymentVoided{OrderID: orderID, AuthorizationID: pay.authorizationID, Amount: total}, nil
	})
}

// cancelled refunds a cancelled order's payment. An order is cancelled
// once it is confirmed, so its authorization was taken; one that holds
// none is closed as void does.
func (p *Payments) cancelled(ctx context.Context, o events.OrderCancelled, env events.Envelope) (consumer.Result, error) {
	return p.end(ctx, o.OrderID, env, func(pay payment) (events.Payload, error) {
		switch pay.state {
		case authorized:
			if err := p.provider.Refund(ctx, o.OrderID, o.Total); err != nil {
				return nil, fmt.Errorf("refund: %w", err)
			}
			return events.PaymentRefunded{OrderID: o.OrderID, AuthorizationID: pay.authorizationID, Amount: o.Total}, nil
		case nothingYet:
			if err := p.provider.Void(ctx, o.OrderID); err != nil {
				return nil, fmt.Errorf("void: %w", err)
			}
			return events.PaymentVoided{OrderID: o.OrderID, Amount: o.Total}, nil
		}
		return nil, nil
	})
}

// end reads the order's payment, lets decide call the provider and say
// what to record, nil for nothing, and records it; if the stream moved
// meanwhile, it reads and decides again.
func (p *Payments) end(ctx context.Context, orderID string, env events.Envelope, decide func(payment) (events.Payload, error)) (consumer.Result, error) {
	for attempt := 1; ; attempt++ {
		pay, err := p.load(ctx, orderID)
		if err != nil {
			return consumer.Result{}, err
		}
		what, err := decide(pay)
		if err != nil {
			return consumer.Result{}, err
		}
		if what == nil {
			return consumer.Result{}, fmt.Errorf("%w: the order holds no payment to give back", consumer.ErrSkip)
		}
		r, err := p.record(ctx, orderID, pay.version, what, env)
		if errors.Is(err, eventstore.ErrConcurrency) && attempt < 5 {
			continue
		}
		return r, err
	}
}
