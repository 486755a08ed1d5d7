package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/eventshop/eventshop/contract"
)

// Reputation keeps the stack's standing with SES: a shop that keeps
// mailing dead addresses, or people who report its mail, gets its account
// reviewed and then paused, and stops mailing anyone.
type Reputation struct {
	constructs.Construct
	// ConfigurationSet goes with every mail: SES suppresses, account-wide,
	// the addresses that bounce for good or complain, keeps reputation
	// metrics, and publishes each bounce and complaint.
	ConfigurationSet awsses.ConfigurationSet
	// Bounces reads those from its queue and suppresses their recipients
	// in eventshop: notification.suppressed, in suppression-<userId>.
	Bounces awslambda.Function
	Queue   awssqs.Queue
	DLQ     awssqs.Queue
}

// The SES events Reputation reads: their EventBridge detail-types.
var sesEvents = []string{"Email Bounced", "Email Complaint Received"}

// NewReputation declares the configuration set, the publishing of its
// bounces and complaints to the account's default event bus (SES
// publishes to no other), the rule that routes them to the bounces
// function's queue, and the function. What the default bus cannot deliver
// goes to busDLQ.
func NewReputation(scope constructs.Construct, id string, cfg Config, eventStore awsdynamodb.ITable, busDLQ awssqs.IQueue) *Reputation {
	c := constructs.NewConstruct(scope, &id)
	set := awsses.NewConfigurationSet(c, jsii.String("Mail"), &awsses.ConfigurationSetProps{
		SuppressionReasons: awsses.SuppressionReasons_BOUNCES_AND_COMPLAINTS,
		ReputationMetrics:  jsii.Bool(true),
		SendingEnabled:     jsii.Bool(true),
	})
	defaultBus := awsevents.EventBus_FromEventBusName(c, jsii.String("DefaultBus"), jsii.String("default"))
	set.AddEventDestination(jsii.String("BouncesAndComplaints"), &awsses.ConfigurationSetEventDestinationOptions{
		Destination: awsses.EventDestination_EventBus(defaultBus),
		Events:      &[]awsses.EmailSendingEvent{awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT},
	})

	name := string(contract.Bounces)
	dlq := newQueue(c, "DLQ", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
	deadEnd(dlq, "it is the dead-letter queue of the "+name+" queue")
	queue := newQueue(c, "Queue", &awssqs.QueueProps{
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * timeoutSeconds)),
		RetentionPeriod:   awscdk.Duration_Days(jsii.Number(4)),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(contract.MaxReceiveCount)},
	})
	awsevents.NewRule(c, jsii.String("FromSES"), &awsevents.RuleProps{
		EventBus:    defaultBus,
		Description: jsii.String("SES's bounces and complaints of eventshop's mail → " + name),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.ses"),
			DetailType: jsii.Strings(sesEvents...),
			Detail: &map[string]any{"mail": map[string]any{"tags": map[string]any{
				"ses:configuration-set": []any{set.ConfigurationSetName()},
			}}},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSqsQueue(queue, &awseventstargets.SqsQueueProps{
			DeadLetterQueue: busDLQ,
			RetryAttempts:   jsii.Number(185),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
		})},
	})

	fn := newFunction(c, "Function", cfg, contract.Bounces, map[contract.Var]*string{
		contract.EnvEventsTable: eventStore.TableName(),
		contract.EnvDLQURL:      dlq.QueueUrl(),
	})
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(batchSize),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("Serverless-LambdaEventSourceMappingDestination"),
		Reason: jsii.String("Lambda takes no on-failure destination for SQS mappings: a message that keeps failing moves to the " +
			"queue's dead-letter queue by its redrive policy, or earlier, with its reason, by the function itself."),
	}}, jsii.Bool(true))
	// It starts suppression streams, and nothing else.
	grantStreams(fn, contract.Bounces, eventStore, "dynamodb:PutItem")
	dlq.GrantSendMessages(fn)
	return &Reputation{Construct: c, ConfigurationSet: set, Bounces: fn, Queue: queue, DLQ: dlq}
}

// GrantSend lets fn send mail with the configuration set, which SES
// authorizes as it does the sender's identity.
func (r *Reputation) GrantSend(fn awslambda.Function) {
	arn := awscdk.Stack_Of(r.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ses"), Resource: jsii.String("configuration-set"), ResourceName: r.ConfigurationSet.ConfigurationSetName(),
		ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ses:SendEmail"),
		Resources: jsii.Strings(*arn),
	}))
}
