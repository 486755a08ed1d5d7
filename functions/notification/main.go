// Command notification is the notification service's Lambda function: it
// consumes events from its SQS queue, sends the mail they call for through
// SES v2 and records each mail sent in the event store.
package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/awsclient"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

type config struct {
	MailFrom    string // MAIL_FROM: the verified SES identity mail is sent from
	EventsTable string // EVENTS_TABLE
	ResetURL    string // RESET_URL: the page that takes a password reset token
}

func configFromEnv() config {
	return config{MailFrom: os.Getenv("MAIL_FROM"), EventsTable: os.Getenv("EVENTS_TABLE"), ResetURL: os.Getenv("RESET_URL")}
}

func (c config) Validate() error {
	var errs []error
	if c.MailFrom == "" {
		errs = append(errs, errors.New("MAIL_FROM is not set"))
	}
	if c.EventsTable == "" {
		errs = append(errs, errors.New("EVENTS_TABLE is not set"))
	}
	if u, err := url.Parse(c.ResetURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, errors.New("RESET_URL must be an absolute http(s) URL"))
	}
	return errors.Join(errs...)
}

func main() {
	log := logging.New("notification")
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
	consumerCfg, err := consumer.ConfigFromEnv()
	if err != nil {
		return err
	}
	awsCfg, err := awsclient.Config(context.Background(), log)
	if err != nil {
		return err
	}
	notifier := &Notifier{
		mail:     &sesMailer{client: sesv2.NewFromConfig(awsCfg), from: cfg.MailFrom},
		events:   eventstore.NewDynamo(awsclient.DynamoDB(awsCfg), cfg.EventsTable),
		resetURL: cfg.ResetURL,
		metrics:  metrics.New(os.Stdout, "notification"),
	}
	lambda.Start(consumer.New(consumerCfg, awsCfg, "notification", log).Handler(notifier.Notify))
	return nil
}
