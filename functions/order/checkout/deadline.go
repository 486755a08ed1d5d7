package checkout

import (
	"context"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/order/lifecycle"
)

// Deadline expires the orders still placed when their deadline comes: it
// reads each order.placed once the deadline queue's delivery delay has
// held it for that long. It is safe for concurrent use.
type Deadline struct {
	store   lifecycle.Store
	metrics Metrics
}

// NewDeadline returns the deadline of the orders in store, which counts
// the orders it expires in m.
func NewDeadline(store lifecycle.Store, m Metrics) *Deadline {
	return &Deadline{store: store, metrics: m}
}

// Routes are the placements whose deadline came.
func (d *Deadline) Routes() consumer.Routes {
	return consumer.Route(consumer.On(func(ctx context.Context, p events.OrderPlaced, env events.Envelope) (consumer.Result, error) {
		return move(ctx, d.store, d.metrics, p.OrderID, env, "the order was decided in time", lifecycle.Order.DeadlinePassed)
	}))
}
