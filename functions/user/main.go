// Command user is the user service's Lambda function: it registers users
// over the HTTP API, recording user.registered in the event store, and
// shows them.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/awsclient"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

type config struct {
	UsersTable  string // USERS_TABLE
	EventsTable string // EVENTS_TABLE
}

func configFromEnv() config {
	return config{UsersTable: os.Getenv("USERS_TABLE"), EventsTable: os.Getenv("EVENTS_TABLE")}
}

func (c config) Validate() error {
	var errs []error
	if c.UsersTable == "" {
		errs = append(errs, errors.New("USERS_TABLE is not set"))
	}
	if c.EventsTable == "" {
		errs = append(errs, errors.New("EVENTS_TABLE is not set"))
	}
	return errors.Join(errs...)
}

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", "user", "function", os.Getenv("AWS_LAMBDA_FUNCTION_NAME"))
	cfg := configFromEnv()
	if err := cfg.Validate(); err != nil {
		log.Error("invalid configuration", "error", err)
		os.Exit(1)
	}
	awsCfg, err := awsclient.Config(context.Background(), log)
	if err != nil {
		log.Error("invalid configuration", "error", err)
		os.Exit(1)
	}
	db := awsclient.DynamoDB(awsCfg)
	users := &Service{store: &dynamoStore{db: db, events: eventstore.NewDynamo(db, cfg.EventsTable), table: cfg.UsersTable}}
	lambda.Start(httpapi.Handler(log, routes(users)))
}
