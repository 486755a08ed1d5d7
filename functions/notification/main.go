// Command notification is the notification service's Lambda function: it
// consumes events from its SQS queue, sends the mail they call for through
// SES v2 and records each mail sent in the event store.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/internal/secret"
	"github.com/eventshop/eventshop/keyring"
)

func main() { boot.Run(contract.Notification, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	db, kmsClient := awsclient.DynamoDB(s.AWS), kms.NewFromConfig(s.AWS)
	notifier := &Notifier{
		mail: &sesMailer{client: sesv2.NewFromConfig(s.AWS), from: s.Env.Get(contract.EnvMailFrom),
			configurationSet: s.Env.Get(contract.EnvMailConfigurationSet)},
		events:      eventstore.NewDynamo(db, s.Env.Get(contract.EnvEventsTable)),
		keys:        keyring.New(kmsClient, db, s.Env.Get(contract.EnvKeysTable), s.Env.Get(contract.EnvPersonalDataKey)),
		resetTokens: secret.NewBox(kmsClient, s.Env.Get(contract.EnvResetTokenKey), contract.PurposePasswordReset),
		resetURL:    s.Env.Get(contract.EnvResetURL),
		metrics:     metrics.New(os.Stdout, s.Function.Service()),
	}
	return notifier.Handler(consumer.New(s))
}
