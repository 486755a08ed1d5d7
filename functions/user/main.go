package main

import (
	"context"
	"os"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

func main() { boot.Run(contract.User, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	db := awsclient.DynamoDB(s.AWS)
	users := &Service{
		store:   &dynamoStore{db: db, events: eventstore.NewDynamo(db, s.Env.Get(contract.EnvEventsTable)), table: s.Env.Get(contract.EnvUsersTable)},
		metrics: metrics.New(os.Stdout, s.Function.Service()),
	}
	return httpapi.Handler(s.Log, routes(users)), nil
}
