package checkout

import (
	"context"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/order/lifecycle"
)

// Outcomes moves orders on by what the checkout's services did for them:
// it records each half in the order's stream, confirms the order once
// both are done, whichever came first, or rejects it as soon as one
// failed. It is safe for concurrent use.
type Outcomes struct {
	store   lifecycle.Store
	metrics Metrics
}

// NewOutcomes returns the outcomes' reader of the orders in store, which
// counts how orders end in m.
func NewOutcomes(store lifecycle.Store, m Metrics) *Outcomes {
	return &Outcomes{store: store, metrics: m}
}

// Routes are the checkout's outcomes.
func (o *Outcomes) Routes() consumer.Routes {
	return consumer.Route(
		consumer.On(func(ctx context.Context, p events.PaymentAuthorized, env events.Envelope) (consumer.Result, error) {
			return o.move(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.PaymentAuthorized(p.AuthorizationID) })
		}),
		consumer.On(func(ctx context.Context, p events.PaymentDeclined, env events.Envelope) (consumer.Result, error) {
			return o.move(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.PaymentDeclined(p.Reason) })
		}),
		consumer.On(func(ctx context.Context, p events.StockReserved, env events.Envelope) (consumer.Result, error) {
			return o.move(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.StockReserved() })
		}),
		consumer.On(func(ctx context.Context, p events.StockRejected, env events.Envelope) (consumer.Result, error) {
			return o.move(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.StockRejected(p.SKU) })
		}),
	)
}

func (o *Outcomes) move(ctx context.Context, orderID string, cause events.Envelope, decide func(lifecycle.Order) []events.Payload) (consumer.Result, error) {
	return move(ctx, o.store, o.metrics, orderID, cause, "the order was decided before", decide)
}
