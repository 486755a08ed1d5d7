// Command outcomes is the order service's reader of the checkout: from
// its SQS queue it takes what the payment and inventory services did for
// an order (payment.authorized or payment.declined, stock.reserved or
// stock.rejected), records it in the order's stream, and confirms the
// order once both halves are done, whichever came first, or rejects it
// as soon as one failed.
package main

import (
	"context"
	"os"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/order/checkout"
)

func main() { boot.Run(contract.Outcomes, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	store := eventstore.NewDynamo(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvEventsTable))
	return consumer.New(s).Serve(checkout.NewOutcomes(store, metrics.New(os.Stdout, s.Function.Service())).Routes())
}
