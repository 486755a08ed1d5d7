package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/contract"
)

// OrderService places, shows and cancels event-sourced orders, for the
// customers it knows from user.registered.
type OrderService struct {
	constructs.Construct
	Function awslambda.Function
	// Customers is the projection that keeps the customers table from
	// user events; the topology routes them to it.
	Customers      awslambda.Function
	CustomersTable awsdynamodb.Table
	// Outcomes confirms or rejects orders by what the payment and
	// inventory services did; Deadline expires those still placed at
	// their deadline. The topology feeds both.
	Outcomes, Deadline awslambda.Function
}

// OrderServiceProps are what the order service works with.
type OrderServiceProps struct {
	Config     Config
	API        awsapigatewayv2.HttpApi
	EventStore awsdynamodb.ITable
	Personal   *PersonalData
}

// NewOrderService declares the order function with its routes, and the
// customers projection with the table it keeps. The order function reads
// and appends order streams alone, reads customers, and opens their
// contacts for orders' histories; the projection only puts customers and
// their tombstones.
func NewOrderService(scope constructs.Construct, id string, props OrderServiceProps) *OrderService {
	c := constructs.NewConstruct(scope, &id)
	cfg := props.Config
	customers := awsdynamodb.NewTable(c, jsii.String("Customers"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String(contract.CustomersKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    removalPolicy(cfg),
	})

	env := props.Personal.Env(false)
	env[contract.EnvEventsTable] = props.EventStore.TableName()
	env[contract.EnvCustomersTable] = customers.TableName()
	fn := newFunction(c, "Function", cfg, contract.Order, env)
	grantStreams(fn, contract.Order, props.EventStore, "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query")
	grantTable(fn, customers, "dynamodb:GetItem")
	props.Personal.GrantOpen(fn)

	projection := newFunction(c, "CustomersFunction", cfg, contract.Customers, map[contract.Var]*string{
		contract.EnvCustomersTable: customers.TableName(),
	})
	grantTable(projection, customers, "dynamodb:PutItem")

	checkout := map[contract.Function]awslambda.Function{}
	for id, f := range map[string]contract.Function{"OutcomesFunction": contract.Outcomes, "DeadlineFunction": contract.Deadline} {
		checkout[f] = newFunction(c, id, cfg, f, map[contract.Var]*string{contract.EnvEventsTable: props.EventStore.TableName()})
		grantStreams(checkout[f], f, props.EventStore, "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query")
	}

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("OrderIntegration"), fn, nil)
	addRoutes(props.API, contract.Order, integration)
	return &OrderService{Construct: c, Function: fn, Customers: projection, CustomersTable: customers,
		Outcomes: checkout[contract.Outcomes], Deadline: checkout[contract.Deadline]}
}
