package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
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
}

// OrderServiceProps are what the order service works with.
type OrderServiceProps struct {
	Config     Config
	API        awsapigatewayv2.HttpApi
	EventStore awsdynamodb.ITable
}

// NewOrderService declares the order function with its routes, and the
// customers projection with the table it keeps. The order function reads
// and appends order streams and reads customers; the projection only puts
// customers.
func NewOrderService(scope constructs.Construct, id string, props OrderServiceProps) *OrderService {
	c := constructs.NewConstruct(scope, &id)
	cfg := props.Config
	customers := awsdynamodb.NewTable(c, jsii.String("Customers"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("userId"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    removalPolicy(cfg),
	})

	fn := newFunction(c, "Function", cfg, "order", map[string]*string{
		"EVENTS_TABLE":    props.EventStore.TableName(),
		"CUSTOMERS_TABLE": customers.TableName(),
	})
	grantTable(fn, props.EventStore, "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query")
	grantTable(fn, customers, "dynamodb:GetItem")

	projection := newFunction(c, "CustomersFunction", cfg, "customers", map[string]*string{
		"CUSTOMERS_TABLE": customers.TableName(),
	})
	grantTable(projection, customers, "dynamodb:PutItem")

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("OrderIntegration"), fn, nil)
	for _, route := range []struct {
		method awsapigatewayv2.HttpMethod
		path   string
	}{
		{awsapigatewayv2.HttpMethod_POST, "/orders"},
		{awsapigatewayv2.HttpMethod_GET, "/orders/{orderId}"},
		{awsapigatewayv2.HttpMethod_GET, "/orders/{orderId}/events"},
		{awsapigatewayv2.HttpMethod_POST, "/orders/{orderId}/cancel"},
	} {
		props.API.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(route.path),
			Methods:     &[]awsapigatewayv2.HttpMethod{route.method},
			Integration: integration,
		})
	}
	return &OrderService{Construct: c, Function: fn, Customers: projection, CustomersTable: customers}
}
