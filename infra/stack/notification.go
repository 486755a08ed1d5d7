package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/contract"
)

// NotificationService mails users what happened, through SES.
type NotificationService struct {
	constructs.Construct
	Function awslambda.Function
	Sender   awsses.EmailIdentity
}

// NewNotificationService declares the notification function and the SES
// identity it sends from; it records the mail it sends in the event store.
// Which events reach it is the topology's business.
func NewNotificationService(scope constructs.Construct, id string, cfg Config, eventStore awsdynamodb.ITable, personal *PersonalData, reputation *Reputation) *NotificationService {
	c := constructs.NewConstruct(scope, &id)
	sender := awsses.NewEmailIdentity(c, jsii.String("Sender"), &awsses.EmailIdentityProps{
		Identity: awsses.Identity_Email(jsii.String(cfg.MailFrom)),
	})
	env := personal.Env(true)
	env[contract.EnvMailFrom] = jsii.String(cfg.MailFrom)
	env[contract.EnvResetURL] = jsii.String(cfg.ResetURL)
	env[contract.EnvMailConfigurationSet] = reputation.ConfigurationSet.ConfigurationSetName()
	env[contract.EnvEventsTable] = eventStore.TableName()
	fn := newFunction(c, "Function", cfg, contract.Notification, env)
	// SendEmail alone, on this identity and configuration set alone: the
	// function never sends raw MIME.
	sender.Grant(fn, jsii.String("ses:SendEmail"))
	reputation.GrantSend(fn)
	// In the SES sandbox, SES also authorizes SendEmail on the identity of
	// each recipient, which must be verified in the account: grant it on
	// the configured ones, by name, and on nothing else.
	if len(cfg.SandboxRecipients) > 0 {
		var recipients []string
		for _, r := range cfg.SandboxRecipients {
			recipients = append(recipients, *awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(r),
				ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
			}))
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("ses:SendEmail"),
			Resources: jsii.Strings(recipients...),
		}))
	}
	// It records each mail sent as a new stream, reads one back when a
	// replay asks whether the mail went out, and reads whether a recipient
	// is suppressed: notification and suppression streams only.
	grantStreams(fn, contract.Notification, eventStore, "dynamodb:PutItem", "dynamodb:Query")
	// It opens the recipient's contact of every mail.
	personal.GrantOpen(fn)
	return &NotificationService{Construct: c, Function: fn, Sender: sender}
}
