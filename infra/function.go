package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// SourceMetadata is the template metadata key on each function that names
// the Go package its bootstrap is built from. The local runner reads it to
// build the function for the host; AWS ignores it.
const SourceMetadata = "eventshop:source"

// functionTimeout bounds every invocation; queues derive their visibility
// timeout from it.
var functionTimeout = awscdk.Duration_Seconds(jsii.Number(10))

// newFunction declares the Lambda function built from functions/<name>: a
// Go bootstrap on provided.al2023 for arm64, JSON logs kept two weeks,
// active tracing.
func newFunction(scope constructs.Construct, id string, cfg Config, name string, env map[string]*string) awslambda.Function {
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_TWO_WEEKS,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	fn := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Description:   jsii.String("eventshop " + name),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(cfg.asset(name)), nil),
		MemorySize:    jsii.Number(256),
		Timeout:       functionTimeout,
		Environment:   &env,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Tracing:       awslambda.Tracing_ACTIVE,
	})
	fn.Node().DefaultChild().(awslambda.CfnFunction).AddMetadata(jsii.String(SourceMetadata), jsii.String("functions/"+name))
	return fn
}
