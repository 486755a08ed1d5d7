package stack

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// Relay publishes what the event store's stream reports to the bus.
type Relay struct {
	constructs.Construct
	Function awslambda.Function
	// Failures receives a description of every stream batch the relay gave
	// up on, for an operator to replay.
	Failures awssqs.Queue
}

// relayRetries bounds how often Lambda retries a failing stream batch
// before it sends it to the failures queue and moves on.
const relayRetries = 10

// NewRelay declares the relay function, fed by the event store's stream in
// order: it bisects a failing batch, retries a bounded number of times
// and then sends the batch to a queue, so a record is never skipped
// silently. It may only put events on the bus.
func NewRelay(scope constructs.Construct, id string, cfg Config, eventStore awsdynamodb.ITable, bus awsevents.IEventBus) *Relay {
	c := constructs.NewConstruct(scope, &id)
	fn := newFunction(c, "Function", cfg, contract.Relay, map[contract.Var]*string{
		contract.EnvEventBusName: bus.EventBusName(),
	})
	// It may put events on this bus only, and only with the sources of the
	// event catalogue. The relay is the one publisher of every service's
	// outbox, so those are exactly its own sources; taken from the
	// catalogue, they follow it, and no service function may put events.
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("events:PutEvents"),
		Resources:  jsii.Strings(*bus.EventBusArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"events:source": sources()}},
	}))
	failures := newQueue(c, "Failures", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
	deadEnd(failures, "the relay's event source mapping sends what it gives up on here (its on-failure destination)")
	fn.AddEventSource(awslambdaeventsources.NewDynamoEventSource(eventStore, &awslambdaeventsources.DynamoEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(100),
		BisectBatchOnError:      jsii.Bool(true),
		ReportBatchItemFailures: jsii.Bool(true),
		RetryAttempts:           jsii.Number(relayRetries),
		MaxRecordAge:            awscdk.Duration_Hours(jsii.Number(24)),
		OnFailure:               awslambdaeventsources.NewSqsDlq(failures),
	}))
	return &Relay{Construct: c, Function: fn, Failures: failures}
}

// sources lists the sources of the event catalogue, each once.
func sources() []string {
	var out []string
	for _, def := range events.Catalogue() {
		if !slices.Contains(out, def.Source) {
			out = append(out, def.Source)
		}
	}
	slices.Sort(out)
	return out
}
