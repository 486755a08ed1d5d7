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

// UserService registers and reads users over the HTTP API.
type UserService struct {
	constructs.Construct
	Function awslambda.Function
}

// UserServiceProps are what the user service works with.
type UserServiceProps struct {
	Config     Config
	API        awsapigatewayv2.HttpApi
	Users      awsdynamodb.ITable
	EventStore awsdynamodb.ITable
}

// NewUserService declares the user function, its routes and its grants:
// users are put, updated and read by key, and their events appended and
// their streams' versions read.
func NewUserService(scope constructs.Construct, id string, props UserServiceProps) *UserService {
	c := constructs.NewConstruct(scope, &id)
	fn := newFunction(c, "Function", props.Config, contract.User, map[contract.Var]*string{
		contract.EnvUsersTable:  props.Users.TableName(),
		contract.EnvEventsTable: props.EventStore.TableName(),
	})
	grantTable(fn, props.Users, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem")
	grantTable(fn, props.EventStore, "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query")

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("UserIntegration"), fn, nil)
	addRoutes(props.API, contract.User, integration)
	return &UserService{Construct: c, Function: fn}
}
