// Command deadline is the order service's clock: its SQS queue holds
// each order.placed for the order deadline before delivering it (the
// queue's delivery delay), and an order still placed by then — neither
// confirmed nor rejected — expires, which asks the payment and inventory
// services to give back what they took for it.
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

func main() { boot.Run(contract.Deadline, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	d := &Deadline{store: eventstore.NewDynamo(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvEventsTable))}
	return consumer.New(s).Serve(d.Routes())
}

// Deadline expires the orders still placed when their deadline comes. It
// is safe for concurrent use.
type Deadline struct {
	store lifecycle.Store
}

// Routes are the placements whose deadline came.
func (d *Deadline) Routes() consumer.Routes {
	return consumer.Route(consumer.On(d.passed))
}

func (d *Deadline) passed(ctx context.Context, p events.OrderPlaced, env events.Envelope) (consumer.Result, error) {
	appended, err := lifecycle.Decide(ctx, d.store, p.OrderID, tracing.Metadata(ctx, events.CausedBy(env)), lifecycle.Order.DeadlinePassed)
	switch {
	case errors.Is(err, lifecycle.ErrNoOrder):
		return consumer.Result{}, consumer.Permanent(err)
	case err != nil:
		return consumer.Result{}, err
	case len(appended) == 0:
		return consumer.Result{}, fmt.Errorf("%w: the order was decided in time", consumer.ErrSkip)
	}
	return consumer.Result{Effect: appended[0].EventType + " " + appended[0].EventID}, nil
}
