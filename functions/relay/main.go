package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/functions/internal/awsclient"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

type config struct {
	EventBus string // EVENT_BUS_NAME
}

func (c config) Validate() error {
	if c.EventBus == "" {
		return errors.New("EVENT_BUS_NAME is not set")
	}
	return nil
}

func main() {
	log := logging.New("relay")
	if err := run(log); err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg := config{EventBus: os.Getenv("EVENT_BUS_NAME")}
	if err := cfg.Validate(); err != nil {
		return err
	}
	awsCfg, err := awsclient.Config(context.Background(), log)
	if err != nil {
		return err
	}
	relay := &Relay{bus: eventbus.New(eventbridge.NewFromConfig(awsCfg), cfg.EventBus), log: log, metrics: metrics.New(os.Stdout, "relay")}
	lambda.Start(handler(relay))
	return nil
}
