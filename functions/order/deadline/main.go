// Command deadline is the order service's clock: its SQS queue holds
// each order.placed for the order deadline before delivering it (the
// queue's delivery delay), and an order still placed by then — neither
// confirmed nor rejected — expires, which asks the payment and inventory
// services to give back what they took for it.
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

func main() { boot.Run(contract.Deadline, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	store := eventstore.NewDynamo(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvEventsTable))
	return consumer.New(s).Serve(checkout.NewDeadline(store, metrics.New(os.Stdout, s.Function.Service())).Routes())
}
