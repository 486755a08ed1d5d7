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
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
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
	log := logging.New("user")
	if err := run(log); err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg := configFromEnv()
	if err := cfg.Validate(); err != nil {
		return err
	}
	awsCfg, err := awsclient.Config(context.Background(), log)
	if err != nil {
		return err
	}
	db := awsclient.DynamoDB(awsCfg)
	users := &Service{
		store:   &dynamoStore{db: db, events: eventstore.NewDynamo(db, cfg.EventsTable), table: cfg.UsersTable},
		metrics: metrics.New(os.Stdout, "user"),
	}
	lambda.Start(httpapi.Handler(log, routes(users)))
	return nil
}
