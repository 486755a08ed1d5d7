// Command reservations is the inventory service's reader of orders: from
// its SQS queue it takes order.placed, and reserves every line of the
// order or none; order.confirmed, and sells what was reserved; and
// order.rejected, order.expired and order.cancelled, and gives back what
// the order holds. Each is recorded in stream stock-<orderId>.
package main

import (
	"context"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

func main() { boot.Run(contract.Reservations, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	db := awsclient.DynamoDB(s.AWS)
	r := &Reservations{ledger: &dynamoLedger{
		events: eventstore.NewDynamo(db, s.Env.Get(contract.EnvEventsTable)),
		stock:  stock.NewTable(db, s.Env.Get(contract.EnvStockTable)),
	}}
	return consumer.New(s).Serve(r.Routes())
}
