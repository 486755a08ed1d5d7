package stack

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// Delivery settings of every consumer queue.
const (
	// batchSize is the most messages one invocation receives.
	batchSize = 10
)

// consumer is a function that reads the events routed to it from its own
// queue, which has its own dead-letter queue.
type consumer struct {
	scope    constructs.Construct
	name     contract.Function
	Function awslambda.Function
	Queue    awssqs.Queue
	DLQ      awssqs.Queue
}

// newConsumer gives fn a queue, a dead-letter queue and an event source
// mapping that reports partial batch failures, and what it needs to
// handle each event once: the idempotency table, its dead-letter queue to
// move what can never succeed to, and the delivery settings
// (contract.ConsumerEnv).
func newConsumer(scope constructs.Construct, name contract.Function, fn awslambda.Function, cfg Config, idempotency awsdynamodb.ITable) *consumer {
	id := contract.Pascal(string(name))
	dlq := newQueue(scope, id+"DLQ", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
	deadEnd(dlq, "it is the dead-letter queue of the "+string(name)+" queue")
	props := &awssqs.QueueProps{
		// Lambda's advice: at least six times the function timeout, so a
		// message is not redelivered while a retried invocation still runs.
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * timeoutSeconds)),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(4)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(contract.MaxReceiveCount)},
	}
	if name.Delayed() {
		// The queue is the deadline's timer: what EventBridge puts in it
		// is delivered once the deadline has passed.
		props.DeliveryDelay = awscdk.Duration_Seconds(jsii.Number(cfg.orderDeadline()))
	}
	queue := newQueue(scope, id+"Queue", props)
	source := awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(batchSize),
		ReportBatchItemFailures: jsii.Bool(true),
	})
	fn.AddEventSource(source)
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("Serverless-LambdaEventSourceMappingDestination"),
		Reason: jsii.String("Lambda takes no on-failure destination for SQS mappings: a message that keeps failing moves to the " +
			"queue's dead-letter queue by its redrive policy, or earlier, with its reason, by the consumer itself."),
	}}, jsii.Bool(true))
	for k, v := range map[contract.Var]*string{
		contract.EnvConsumerName:     jsii.String(string(name)),
		contract.EnvIdempotencyTable: idempotency.TableName(),
		contract.EnvDLQURL:           dlq.QueueUrl(),
		contract.EnvMaxReceiveCount:  jsii.String(fmt.Sprint(contract.MaxReceiveCount)),
		contract.EnvRetryBaseSeconds: jsii.String(cfg.RetryBaseSeconds),
		contract.EnvLeaseSeconds:     jsii.String(fmt.Sprint(timeoutSeconds)),
	} {
		fn.AddEnvironment(jsii.String(string(k)), v, nil)
	}
	grantTable(fn, idempotency, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem")
	dlq.GrantSendMessages(fn)
	return &consumer{scope: scope, name: name, Function: fn, Queue: queue, DLQ: dlq}
}

// subscribe routes eventType from bus to the consumer's queue with one rule
// matching its detail-type and its publisher's source. Events the bus
// cannot deliver go to targetDLQ.
func (c *consumer) subscribe(bus awsevents.IEventBus, eventType string, targetDLQ awssqs.IQueue) awsevents.Rule {
	def, _ := events.Lookup(eventType)
	return awsevents.NewRule(c.scope, jsii.String(contract.Pascal(string(c.name))+"On"+contract.Pascal(eventType)), &awsevents.RuleProps{
		EventBus:    bus,
		Description: jsii.String(eventType + " → " + string(c.name)),
		EventPattern: &awsevents.EventPattern{
			DetailType: jsii.Strings(eventType),
			Source:     jsii.Strings(def.Source),
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSqsQueue(c.Queue, &awseventstargets.SqsQueueProps{
			DeadLetterQueue: targetDLQ,
			RetryAttempts:   jsii.Number(185),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
		})},
	})
}

// deadEnd marks a queue that receives what could not be delivered: it has
// no dead-letter queue of its own, as its messages wait for an operator
// (evctl dlq list, evctl dlq redrive) rather than for a consumer.
func deadEnd(q awssqs.Queue, why string) {
	cdknag.NagSuppressions_AddResourceSuppressions(q, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-SQS3"), Reason: jsii.String("A dead end, not a work queue: " + why + ".")},
		{Id: jsii.String("Serverless-SQSRedrivePolicy"), Reason: jsii.String("A dead end, not a work queue: " + why + "; an operator redrives it.")},
	}, jsii.Bool(false))
}

// newQueue declares a queue encrypted at rest that refuses plain HTTP.
func newQueue(scope constructs.Construct, id string, props *awssqs.QueueProps) awssqs.Queue {
	props.Encryption = awssqs.QueueEncryption_SQS_MANAGED
	props.EnforceSSL = jsii.Bool(true)
	return awssqs.NewQueue(scope, jsii.String(id), props)
}
