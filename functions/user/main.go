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
	"github.com/eventshop/eventshop/functions/internal/secret"
	"github.com/eventshop/eventshop/keyring"
)

func main() { boot.Run(contract.User, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	db, kmsClient := awsclient.DynamoDB(s.AWS), kms.NewFromConfig(s.AWS)
	keys := keyring.New(kmsClient, db, s.Env.Get(contract.EnvKeysTable), s.Env.Get(contract.EnvPersonalDataKey))
	users := &Service{
		store: &dynamoStore{db: db, events: eventstore.NewDynamo(db, s.Env.Get(contract.EnvEventsTable)), keys: keys,
			table: s.Env.Get(contract.EnvUsersTable)},
		keys:    keys,
		tokens:  secret.NewBox(kmsClient, s.Env.Get(contract.EnvResetTokenKey), contract.PurposePasswordReset),
		metrics: metrics.New(os.Stdout, s.Function.Service()),
	}
	return httpapi.Handler(s.Log, routes(users)), nil
}
