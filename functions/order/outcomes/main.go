// Command outcomes is the order service's reader of the checkout: from
// its SQS queue it takes what the payment and inventory services did for
// an order (payment.authorized or payment.declined, stock.reserved or
// stock.rejected), records it in the order's stream, and confirms the
// order once both halves are done, whichever came first, or rejects it
// as soon as one failed.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/tracing"
	"github.com/eventshop/eventshop/functions/order/lifecycle"
)

func main() { boot.Run(contract.Outcomes, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	o := &Outcomes{store: eventstore.NewDynamo(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvEventsTable))}
	return consumer.New(s).Serve(o.Routes())
}

// Outcomes moves orders on by what the checkout's services did. It is
// safe for concurrent use.
type Outcomes struct {
	store lifecycle.Store
}

// Routes are the checkout's outcomes.
func (o *Outcomes) Routes() consumer.Routes {
	return consumer.Route(
		consumer.On(func(ctx context.Context, p events.PaymentAuthorized, env events.Envelope) (consumer.Result, error) {
			return o.decide(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.PaymentAuthorized(p.AuthorizationID) })
		}),
		consumer.On(func(ctx context.Context, p events.PaymentDeclined, env events.Envelope) (consumer.Result, error) {
			return o.decide(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.PaymentDeclined(p.Reason) })
		}),
		consumer.On(func(ctx context.Context, p events.StockReserved, env events.Envelope) (consumer.Result, error) {
			return o.decide(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.StockReserved() })
		}),
		consumer.On(func(ctx context.Context, p events.StockRejected, env events.Envelope) (consumer.Result, error) {
			return o.decide(ctx, p.OrderID, env, func(ord lifecycle.Order) []events.Payload { return ord.StockRejected(p.SKU) })
		}),
	)
}

func (o *Outcomes) decide(ctx context.Context, orderID string, cause events.Envelope, decide func(lifecycle.Order) []events.Payload) (consumer.Result, error) {
	appended, err := lifecycle.Decide(ctx, o.store, orderID, tracing.Metadata(ctx, events.CausedBy(cause)), decide)
	switch {
	case errors.Is(err, lifecycle.ErrNoOrder):
		return consumer.Result{}, consumer.Permanent(err)
	case err != nil:
		return consumer.Result{}, err
	case len(appended) == 0:
		return consumer.Result{}, fmt.Errorf("%w: the order was decided before", consumer.ErrSkip)
	}
	last := appended[len(appended)-1]
	return consumer.Result{Effect: last.EventType + " " + last.EventID}, nil
}
