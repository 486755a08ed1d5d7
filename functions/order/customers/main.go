// Command customers is the order service's customer projection: it
// consumes user.registered from its SQS queue and records each user as a
// customer the order service may take orders from.
package main

import (
	"context"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/order/customer"
)

func main() { boot.Run(contract.Customers, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	p := &Projector{customers: customer.NewTable(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvCustomersTable))}
	return consumer.New(s).Serve(p.Routes())
}
