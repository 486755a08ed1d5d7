package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/contract"
)

// Props configure the stack.
type Props struct {
	awscdk.StackProps
	Config Config
}

// Stack is eventshop's one stack, with handles on its parts for tests.
type Stack struct {
	awscdk.Stack
	Bus        awsevents.EventBus
	EventStore awsdynamodb.Table
	Users      awsdynamodb.Table
	// Personal holds the keys table and the KMS keys.
	Personal *PersonalData
	API      awsapigatewayv2.HttpApi
	APIStage awsapigatewayv2.HttpStage
	// Services.
	User         *UserService
	Order        *OrderService
	Inventory    *InventoryService
	Payment      *PaymentService
	Relay        *Relay
	Notification *NotificationService
	Reputation   *Reputation
	// Consumers of the topology, by name, and where they record the
	// events they handled.
	Consumers   map[contract.Function]*consumer
	Idempotency awsdynamodb.Table
	// Observability holds the dashboard and the alarms; nil if the
	// configuration leaves them out.
	Observability *Observability
}

// New declares the whole system.
func New(scope constructs.Construct, id string, props *Props) *Stack {
	sprops := props.StackProps
	sprops.AnalyticsReporting = jsii.Bool(false)
	stack := awscdk.NewStack(scope, &id, &sprops)
	cfg := props.Config
	s := &Stack{Stack: stack, Consumers: map[contract.Function]*consumer{}}

	s.Bus = awsevents.NewEventBus(stack, jsii.String("Bus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(cfg.StackName()),
		Description:  jsii.String("eventshop: every event, routed by detail-type"),
	})
	s.EventStore = newEventStore(stack, cfg)
	s.Users = awsdynamodb.NewTable(stack, jsii.String("Users"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String(contract.UsersKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    removalPolicy(cfg),
	})

	s.Personal = NewPersonalData(stack, "PersonalData", cfg)

	s.API, s.APIStage = newAPI(stack, cfg)
	s.User = NewUserService(stack, "UserService", UserServiceProps{Config: cfg, API: s.API, Users: s.Users, EventStore: s.EventStore, Personal: s.Personal})
	s.Order = NewOrderService(stack, "OrderService", OrderServiceProps{Config: cfg, API: s.API, EventStore: s.EventStore, Personal: s.Personal})
	s.Inventory = NewInventoryService(stack, "InventoryService", cfg, s.API, s.EventStore)
	s.Payment = NewPaymentService(stack, "PaymentService", cfg, s.EventStore)
	s.Relay = NewRelay(stack, "Relay", cfg, s.EventStore, s.Bus)
	busDLQ := newQueue(stack, "BusDLQ", &awssqs.QueueProps{RetentionPeriod: awscdk.Duration_Days(jsii.Number(14))})
	deadEnd(busDLQ, "EventBridge puts events here that it could not deliver to a rule's target")
	s.Reputation = NewReputation(stack, "Reputation", cfg, s.EventStore, busDLQ)
	s.Notification = NewNotificationService(stack, "NotificationService", cfg, s.EventStore, s.Personal, s.Reputation)
	s.Personal.GrantResetTokens(s.User.Function, s.Notification.Function)

	// Consumers and their subscriptions, from the topology.
	functions := map[contract.Function]awslambda.Function{
		contract.User: s.User.Function, contract.Order: s.Order.Function, contract.Customers: s.Order.Customers,
		contract.Relay: s.Relay.Function, contract.Notification: s.Notification.Function, contract.Bounces: s.Reputation.Bounces,
		contract.Inventory: s.Inventory.Function, contract.Reservations: s.Inventory.Reservations, contract.Payment: s.Payment.Function,
		contract.Outcomes: s.Order.Outcomes, contract.Deadline: s.Order.Deadline,
	}
	s.Idempotency = awsdynamodb.NewTable(stack, jsii.String("Idempotency"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String(contract.IdempotencyKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute:              jsii.String(contract.IdempotencyExpiry),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    awscdk.RemovalPolicy_DESTROY, // only ever days of dedup records
	})
	for _, name := range contract.Consumers() {
		s.Consumers[name] = newConsumer(stack, name, functions[name], cfg, s.Idempotency)
	}
	for _, sub := range contract.Topology() {
		s.Consumers[sub.Consumer].subscribe(s.Bus, sub.EventType, busDLQ)
	}

	if cfg.Observability {
		var watched []watchedQueue
		for _, name := range contract.Consumers() {
			watched = append(watched, watchedQueue{name: string(name), queue: s.Consumers[name].Queue, dlq: s.Consumers[name].DLQ})
		}
		s.Observability = NewObservability(stack, "Observability", ObservabilityProps{
			API:       s.API,
			Functions: functions,
			Queues:    watched,
			DeadEnds:  map[string]awssqs.IQueue{"relay failures": s.Relay.Failures, "bus DLQ": busDLQ, "bounces DLQ": s.Reputation.DLQ},
		})
	}

	checkCompliance(stack)

	output(stack, contract.OutputAPIURL, s.APIStage.Url())
	output(stack, contract.OutputEventBusName, s.Bus.EventBusName())
	output(stack, contract.OutputEventStoreTable, s.EventStore.TableName())
	output(stack, contract.OutputUsersTable, s.Users.TableName())
	output(stack, contract.OutputCustomersTable, s.Order.CustomersTable.TableName())
	output(stack, contract.OutputKeysTable, s.Personal.Keys.TableName())
	output(stack, contract.OutputStockTable, s.Inventory.Stock.TableName())
	output(stack, contract.OutputPersonalDataKeyARN, s.Personal.PersonalDataKey.KeyArn())
	output(stack, contract.OutputRelayFailuresQueueURL, s.Relay.Failures.QueueUrl())
	output(stack, contract.OutputBusDLQURL, busDLQ.QueueUrl())
	output(stack, contract.QueueOutput(string(contract.Bounces)), s.Reputation.Queue.QueueUrl())
	output(stack, contract.DLQOutput(string(contract.Bounces)), s.Reputation.DLQ.QueueUrl())
	if s.Observability != nil {
		output(stack, contract.OutputAlarmTopicARN, s.Observability.Alarms.TopicArn())
		output(stack, contract.OutputDashboardName, s.Observability.Dashboard.DashboardName())
	}
	for _, name := range contract.Consumers() {
		c := s.Consumers[name]
		output(stack, contract.QueueOutput(string(name)), c.Queue.QueueUrl())
		output(stack, contract.DLQOutput(string(name)), c.DLQ.QueueUrl())
	}
	return s
}

// newEventStore declares the event store table: one item per event, keyed
// by stream and version, its stream feeding the relay, and an index by
// correlation id, named as the contract names them.
func newEventStore(scope constructs.Construct, cfg Config) awsdynamodb.Table {
	t := awsdynamodb.NewTable(scope, jsii.String("EventStore"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String(contract.EventStreamID), Type: awsdynamodb.AttributeType_STRING},
		SortKey:                          &awsdynamodb.Attribute{Name: jsii.String(contract.EventVersion), Type: awsdynamodb.AttributeType_NUMBER},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Stream:                           awsdynamodb.StreamViewType_NEW_IMAGE,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    removalPolicy(cfg),
	})
	t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(contract.CorrelationIndex),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(contract.EventCorrelationID), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String(contract.EventTimestamp), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return t
}

// removalPolicy keeps production data when the stack goes and lets any
// other stage be destroyed whole.
func removalPolicy(cfg Config) awscdk.RemovalPolicy {
	if cfg.Production() {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

func output(stack awscdk.Stack, name contract.Output, value *string) {
	awscdk.NewCfnOutput(stack, jsii.String(string(name)), &awscdk.CfnOutputProps{Value: value})
}
