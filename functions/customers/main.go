// Command customers is the order service's customer projection: it
// consumes user.registered from its SQS queue and records each user as a
// customer the order service may take orders from.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/eventshop/eventshop/functions/internal/awsclient"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/customer"
	"github.com/eventshop/eventshop/functions/internal/logging"
)

type config struct {
	CustomersTable string // CUSTOMERS_TABLE
}

func (c config) Validate() error {
	if c.CustomersTable == "" {
		return errors.New("CUSTOMERS_TABLE is not set")
	}
	return nil
}

func main() {
	log := logging.New("order")
	if err := run(log); err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg := config{CustomersTable: os.Getenv("CUSTOMERS_TABLE")}
	if err := cfg.Validate(); err != nil {
		return err
	}
	consumerCfg, err := consumer.ConfigFromEnv()
	if err != nil {
		return err
	}
	awsCfg, err := awsclient.Config(context.Background(), log)
	if err != nil {
		return err
	}
	p := &Projector{customers: customer.NewTable(awsclient.DynamoDB(awsCfg), cfg.CustomersTable)}
	lambda.Start(consumer.New(consumerCfg, awsCfg, "order", log).Handler(p.Project))
	return nil
}
