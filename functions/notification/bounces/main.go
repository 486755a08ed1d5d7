// Command bounces is the notification service's reader of SES's bounces
// and complaints. SES publishes them, for every mail sent with the
// stack's configuration set, to the account's default event bus; a rule
// routes them to this function's queue. A hard bounce or a complaint
// suppresses the recipient: notification.suppressed, in stream
// suppression-<userId>, which the notification function reads before
// each mail.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

func main() { boot.Run(contract.Bounces, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	r := &Reader{
		events:  eventstore.NewDynamo(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvEventsTable)),
		dlq:     sqs.NewFromConfig(s.AWS),
		dlqURL:  s.Env.Get(contract.EnvDLQURL),
		log:     s.Log,
		metrics: metrics.New(os.Stdout, s.Function.Service()),
	}
	return r.Handle, nil
}
