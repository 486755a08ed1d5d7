// Command notification is the notification service's Lambda function: it
// consumes events from its SQS queue and sends the mail they call for
// through SES v2.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/eventshop/eventshop/functions/internal/awsclient"
	"github.com/eventshop/eventshop/functions/internal/logging"
)

type config struct {
	MailFrom string // MAIL_FROM: the verified SES identity mail is sent from
}

func (c config) Validate() error {
	if c.MailFrom == "" {
		return errors.New("MAIL_FROM is not set")
	}
	return nil
}

func main() {
	log := logging.New("notification")
	if err := run(log); err != nil {
		log.Error("cannot start", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	cfg := config{MailFrom: os.Getenv("MAIL_FROM")}
	if err := cfg.Validate(); err != nil {
		return err
	}
	awsCfg, err := awsclient.Config(context.Background(), log)
	if err != nil {
		return err
	}
	notifier := &Notifier{mail: &sesMailer{client: sesv2.NewFromConfig(awsCfg), from: cfg.MailFrom}}
	lambda.Start(handler(notifier, log))
	return nil
}
