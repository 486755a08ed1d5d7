// Package checkout is how the order service reads its checkout: what the
// payment and inventory services did for an order (Outcomes) and the
// order's deadline (Deadline), each a consumer's routes that move the
// order on through lifecycle.Decide, counting how orders end (metrics.go).
package checkout

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/tracing"
	"github.com/eventshop/eventshop/functions/order/lifecycle"
)

// move has the order decide what cause means for it, appends what it
// decided, counts how the order ended if it did, and says so as the
// consumer's result: an order that does not exist is a permanent failure;
// a decision of nothing is skipped, for the reason given (the order was
// decided before).
func move(ctx context.Context, store lifecycle.Store, m Metrics, orderID string, cause events.Envelope, skipped string, decide func(lifecycle.Order) []events.Payload) (consumer.Result, error) {
	var decided []events.Payload // what the decision that was appended decided
	appended, err := lifecycle.Decide(ctx, store, orderID, tracing.Metadata(ctx, events.CausedBy(cause)), func(o lifecycle.Order) []events.Payload {
		decided = decide(o)
		return decided
	})
	if err == nil {
		count(m, decided)
	}
	switch {
	case errors.Is(err, lifecycle.ErrNoOrder):
		return consumer.Result{}, consumer.Permanent(err)
	case err != nil:
		return consumer.Result{}, err
	case len(appended) == 0:
		return consumer.Result{}, fmt.Errorf("%w: %s", consumer.ErrSkip, skipped)
	}
	last := appended[len(appended)-1]
	return consumer.Result{Effect: last.EventType + " " + last.EventID}, nil
}
