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

// InventoryService keeps the stock of each item: an operator sets it over
// the API, and orders reserve, buy and give it back through the
// reservations function, which the topology feeds with order events.
type InventoryService struct {
	constructs.Construct
	Function     awslambda.Function
	Reservations awslambda.Function
	Stock        awsdynamodb.Table
}

// NewInventoryService declares the stock table, the inventory function
// with its routes, which sets and reads stock, and the reservations
// function, which moves stock between available, reserved and sold in
// the same transaction as the event of its stream stock-<orderId> that
// records the move.
func NewInventoryService(scope constructs.Construct, id string, cfg Config, api awsapigatewayv2.HttpApi, eventStore awsdynamodb.ITable) *InventoryService {
	c := constructs.NewConstruct(scope, &id)
	table := awsdynamodb.NewTable(c, jsii.String("Stock"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String(contract.StockKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		RemovalPolicy:                    removalPolicy(cfg),
	})
	fn := newFunction(c, "Function", cfg, contract.Inventory, map[contract.Var]*string{contract.EnvStockTable: table.TableName()})
	grantTable(fn, table, "dynamodb:UpdateItem", "dynamodb:GetItem")
	addRoutes(api, contract.Inventory, awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("InventoryIntegration"), fn, nil))

	reservations := newFunction(c, "ReservationsFunction", cfg, contract.Reservations, map[contract.Var]*string{
		contract.EnvEventsTable: eventStore.TableName(),
		contract.EnvStockTable:  table.TableName(),
	})
	grantStreams(reservations, contract.Reservations, eventStore, "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query")
	grantTable(reservations, table, "dynamodb:UpdateItem")
	return &InventoryService{Construct: c, Function: fn, Reservations: reservations, Stock: table}
}
