package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/awsclient"
	"github.com/eventshop/eventshop/functions/internal/customer"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

type config struct {
	EventsTable    string // EVENTS_TABLE
	CustomersTable string // CUSTOMERS_TABLE
}

func (c config) Validate() error {
	var errs []error
	if c.EventsTable == "" {
		errs = append(errs, errors.New("EVENTS_TABLE is not set"))
	}
	if c.CustomersTable == "" {
		errs = append(errs, errors.New("CUSTOMERS_TABLE is not set"))
	}
	return errors.Join(errs...)
}

func main() {
	log := logging.New("order")
	if err := run(log); err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg := config{EventsTable: os.Getenv("EVENTS_TABLE"), CustomersTable: os.Getenv("CUSTOMERS_TABLE")}
	if err := cfg.Validate(); err != nil {
		return err
	}
	awsCfg, err := awsclient.Config(context.Background(), log)
	if err != nil {
		return err
	}
	db := awsclient.DynamoDB(awsCfg)
	orders := &Service{
		events:    eventstore.NewDynamo(db, cfg.EventsTable),
		customers: customer.NewTable(db, cfg.CustomersTable),
		metrics:   metrics.New(os.Stdout, "order"),
	}
	lambda.Start(httpapi.Handler(log, routes(orders)))
	return nil
}
