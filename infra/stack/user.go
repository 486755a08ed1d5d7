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
	Personal   *PersonalData
}

// NewUserService declares the user function, its routes and its grants:
// users are put, updated, read and deleted by key; their events appended
// and their streams' versions read, in user streams only; their data keys
// made, kept, read and deleted. Reset tokens it encrypts; the grant to the
// notification function to decrypt them is the stack's.
func NewUserService(scope constructs.Construct, id string, props UserServiceProps) *UserService {
	c := constructs.NewConstruct(scope, &id)
	env := props.Personal.Env(true)
	env[contract.EnvUsersTable] = props.Users.TableName()
	env[contract.EnvEventsTable] = props.EventStore.TableName()
	fn := newFunction(c, "Function", props.Config, contract.User, env)
	grantTable(fn, props.Users, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")
	grantStreams(fn, contract.User, props.EventStore, "dynamodb:PutItem", "dynamodb:ConditionCheckItem", "dynamodb:Query")
	props.Personal.GrantSeal(fn)

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("UserIntegration"), fn, nil)
	addRoutes(props.API, contract.User, integration)
	return &UserService{Construct: c, Function: fn}
}
