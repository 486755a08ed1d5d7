package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// checkCompliance runs cdk-nag's AWS Solutions and Serverless rule packs
// on the stack at synthesis: a violation is an error that stops cdk synth
// and cdk deploy, and fails go test. Where a rule does not fit, the
// suppression sits next to the resource, with its reason.
func checkCompliance(stack awscdk.Stack) {
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(stack).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}
