package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/eventshop/eventshop/contract"
)

// timeoutSeconds bounds every invocation; queues derive their visibility
// timeout from it. It is a number, not a Duration: a package-level
// Duration would call into jsii when the package initializes, before the
// app's jsii.Close is deferred.
const timeoutSeconds = 10

// newFunction declares the Lambda function fn: a Go bootstrap on
// provided.al2023 for arm64, built from fn's source, JSON logs kept two
// weeks, active tracing, and a role of its own that may write its own logs
// and nothing else until the caller grants more. env sets the variables
// the contract gives fn, but for a consumer's, which newConsumer sets.
func newFunction(scope constructs.Construct, id string, cfg Config, fn contract.Function, env map[contract.Var]*string) awslambda.Function {
	name := string(fn)
	variables := map[string]*string{}
	for k, v := range env {
		variables[string(k)] = v
	}
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_TWO_WEEKS,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// Not the managed AWSLambdaBasicExecutionRole, which may write any log
	// group of the account.
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("eventshop " + name + " function"),
	})
	logs.GrantWrite(role)
	f := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Description:   jsii.String("eventshop " + name),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(cfg.asset(fn)), nil),
		MemorySize:    jsii.Number(256),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)),
		Environment:   &variables,
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Tracing:       awslambda.Tracing_ACTIVE,
	})
	f.Node().DefaultChild().(awslambda.CfnFunction).AddMetadata(jsii.String(contract.SourceMetadata), jsii.String(fn.Source()))

	cdknag.NagSuppressions_AddResourceSuppressions(f, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("Serverless-LambdaDLQ"),
		Reason: jsii.String("Nothing invokes the function asynchronously: API Gateway and the event source mappings invoke it " +
			"synchronously, and failed messages go to their queue's dead-letter queue or the stream's on-failure queue."),
	}}, jsii.Bool(false))
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("Log streams are created at run time inside the function's own log group; X-Ray's PutTraceSegments " +
			"and PutTelemetryRecords, and DynamoDB's ListStreams for stream readers, take no resource, so only '*' grants them."),
		AppliesTo: &[]any{"Resource::*", "Resource::<" + *awscdk.Stack_Of(scope).GetLogicalId(logs.Node().DefaultChild().(awscdk.CfnElement)) + ".Arn>:*"},
	}}, jsii.Bool(true))
	return f
}

// grantTable lets fn call actions on the table itself, not on its indexes.
func grantTable(fn awslambda.Function, table awsdynamodb.ITable, actions ...string) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(*table.TableArn()),
	}))
}

// grantStreams lets fn call actions on the event store's items of fn's
// own streams alone (contract.Function.Streams): DynamoDB checks every
// item's partition key against the prefixes (dynamodb:LeadingKeys), in
// transactions too, and a request that names no key (a Scan) is refused
// (the Null condition: ForAllValues alone holds of an empty set). Nothing
// grants the correlation index, which only evctl reads, with an operator's
// credentials.
func grantStreams(fn awslambda.Function, f contract.Function, eventStore awsdynamodb.ITable, actions ...string) {
	var prefixes []string
	for _, s := range f.Streams() {
		prefixes = append(prefixes, string(s)+"*")
	}
	if len(prefixes) == 0 {
		panic("stack: " + string(f) + " has no streams of the event store to grant")
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(*eventStore.TableArn()),
		Conditions: &map[string]any{
			"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": prefixes},
			"Null":                    map[string]any{"dynamodb:LeadingKeys": "false"},
		},
	}))
}
