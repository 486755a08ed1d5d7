package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/order/customer"
	"github.com/eventshop/eventshop/keyring"
)

func main() { boot.Run(contract.Order, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	db := awsclient.DynamoDB(s.AWS)
	orders := &Service{
		events:    eventstore.NewDynamo(db, s.Env.Get(contract.EnvEventsTable)),
		customers: customer.NewTable(db, s.Env.Get(contract.EnvCustomersTable)),
		keys:      keyring.New(kms.NewFromConfig(s.AWS), db, s.Env.Get(contract.EnvKeysTable), s.Env.Get(contract.EnvPersonalDataKey)),
		metrics:   metrics.New(os.Stdout, s.Function.Service()),
	}
	return httpapi.Handler(s.Log, routes(orders)), nil
}
