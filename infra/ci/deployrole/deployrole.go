package deployrole

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/eventshop/eventshop/infra/ci/workflow"
)

// StackName is the CloudFormation stack's name.
const StackName = "eventshop-ci"

// RoleARNOutput is the stack output holding the deploy role's ARN: the
// value of the repository variable AWS_DEPLOY_ROLE_ARN.
const RoleARNOutput = "DeployRoleArn"

// BootstrapQualifier is the qualifier of the CDK bootstrap that make
// bootstrap creates: the default one.
const BootstrapQualifier = "hnb659fds"

// Props configure the stack.
type Props struct {
	awscdk.StackProps
	Config Config
}

// Stack is the CI bootstrap stack, with handles on its parts for tests.
type Stack struct {
	awscdk.Stack
	// Provider is GitHub's OIDC provider: declared here, or the existing
	// one Config.ProviderARN names.
	Provider awsiam.IOidcProvider
	// Role is the role the deploy job assumes.
	Role awsiam.Role
}

// New declares the OIDC provider and the deploy role. It synthesizes
// without the CDK bootstrap, so make ci-role works in an account before
// or after make bootstrap, with the caller's own credentials.
func New(scope constructs.Construct, id string, props *Props) *Stack {
	sprops := props.StackProps
	sprops.AnalyticsReporting = jsii.Bool(false)
	if sprops.Synthesizer == nil {
		sprops.Synthesizer = awscdk.NewBootstraplessSynthesizer(&awscdk.BootstraplessSynthesizerProps{})
	}
	stack := awscdk.NewStack(scope, &id, &sprops)
	cfg := props.Config
	s := &Stack{Stack: stack}

	if cfg.ProviderARN != "" {
		s.Provider = awsiam.OidcProviderNative_FromOidcProviderArn(stack, jsii.String("GitHubProvider"), &cfg.ProviderARN)
	} else {
		// No thumbprints: IAM trusts GitHub's certificate through its own
		// library of root certificate authorities.
		s.Provider = awsiam.NewOidcProviderNative(stack, jsii.String("GitHubProvider"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + workflow.Issuer),
			ClientIds: jsii.Strings(workflow.Audience),
		})
	}

	// Only a token GitHub issued for the repository's production
	// environment, for AWS STS, is let in. StringEquals, not StringLike:
	// no wildcard can widen it to other repositories, branches or
	// pull requests.
	trust := awsiam.NewWebIdentityPrincipal(s.Provider.OidcProviderArn(), &map[string]any{
		"StringEquals": map[string]any{
			workflow.Issuer + ":aud": workflow.Audience,
			workflow.Issuer + ":sub": workflow.Subject(cfg.Repo),
		},
	})
	bootstrapRoles := fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-*", *stack.Partition(), *stack.Account(), BootstrapQualifier)
	s.Role = awsiam.NewRole(stack, jsii.String("DeployRole"), &awsiam.RoleProps{
		AssumedBy:   trust,
		Description: jsii.String("GitHub Actions deploys eventshop from " + cfg.Repo + " (environment " + workflow.Environment + ") through the CDK bootstrap roles"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"AssumeCDKBootstrapRoles": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("sts:AssumeRole"),
					Resources: jsii.Strings(bootstrapRoles),
				})},
			}),
		},
	})

	// The wildcard covers the bootstrap's roles of every region of this
	// account, and nothing else: their names are cdk-<qualifier>-<purpose>-
	// <account>-<region>.
	cdknag.NagSuppressions_AddResourceSuppressions(s.Role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("the CDK CLI assumes the bootstrap roles (deploy, file-publishing, image-publishing, lookup) of the deploy's region, named cdk-" + BootstrapQualifier + "-<purpose>-<account>-<region>: no other role of the account matches"),
		AppliesTo: &[]any{"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-" + BootstrapQualifier + "-*"},
	}}, jsii.Bool(true))
	// cdk-nag's AWS Solutions rules: a violation stops cdk synth and cdk
	// deploy, and fails go test.
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)

	awscdk.NewCfnOutput(stack, jsii.String(RoleARNOutput), &awscdk.CfnOutputProps{
		Value:       s.Role.RoleArn(),
		Description: jsii.String("the repository variable " + workflow.RoleVariable),
	})
	return s
}
