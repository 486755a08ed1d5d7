package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/eventshop/eventshop/contract"
)

// keysRecoveryDays is how long the keys table's point-in-time recovery
// keeps a deleted data key: a forgotten user's data is beyond recovery
// this many days after they are forgotten, and the README says so.
const keysRecoveryDays = 7

// PersonalData is what keeps personal data and secrets out of the event
// store's clear text: the keys table of the users' data keys, the KMS key
// that wraps them, and the KMS key that encrypts password reset tokens for
// the notification function alone.
type PersonalData struct {
	constructs.Construct
	Keys            awsdynamodb.Table
	PersonalDataKey awskms.Key
	ResetTokenKey   awskms.Key
}

// NewPersonalData declares the keys table and the two KMS keys, both
// rotated yearly.
func NewPersonalData(scope constructs.Construct, id string, cfg Config) *PersonalData {
	c := constructs.NewConstruct(scope, &id)
	keys := awsdynamodb.NewTable(c, jsii.String("Keys"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(contract.KeysSubject), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		// Backups would keep a forgotten user's key: point-in-time
		// recovery keeps it a week, not the default 35 days, and no other
		// backup is taken.
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true), RecoveryPeriodInDays: jsii.Number(keysRecoveryDays)},
		RemovalPolicy:      removalPolicy(cfg),
		DeletionProtection: jsii.Bool(cfg.Production()),
	})
	newKey := func(id, description string) awskms.Key {
		return awskms.NewKey(c, jsii.String(id), &awskms.KeyProps{
			Description:       jsii.String(description),
			EnableKeyRotation: jsii.Bool(true),
			PendingWindow:     awscdk.Duration_Days(jsii.Number(30)),
			RemovalPolicy:     removalPolicy(cfg),
		})
	}
	return &PersonalData{
		Construct:       c,
		Keys:            keys,
		PersonalDataKey: newKey("PersonalDataKey", "eventshop: wraps each user's data key, which seals their personal data"),
		ResetTokenKey:   newKey("ResetTokenKey", "eventshop: encrypts password reset tokens for the notification function alone"),
	}
}

// grantKey lets fn call actions on key, for the purposes given.
func grantKey(fn awslambda.Function, key awskms.IKey, purposes []string, actions ...string) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings(actions...),
		Resources:  jsii.Strings(*key.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:EncryptionContext:" + contract.KMSContextPurpose: purposes}},
	}))
}

// GrantSeal lets the user function make data keys, keep and delete them,
// and read them back: it registers, shows and forgets users.
func (p *PersonalData) GrantSeal(fn awslambda.Function) {
	grantKey(fn, p.PersonalDataKey, []string{contract.PurposePersonalData, contract.PurposeEmailIndex}, "kms:GenerateDataKey", "kms:Decrypt")
	grantTable(fn, p.Keys, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem")
}

// GrantOpen lets fn read data keys and open what they seal.
func (p *PersonalData) GrantOpen(fn awslambda.Function) {
	grantKey(fn, p.PersonalDataKey, []string{contract.PurposePersonalData}, "kms:Decrypt")
	grantTable(fn, p.Keys, "dynamodb:GetItem")
}

// GrantResetTokens lets writer encrypt reset tokens and reader decrypt
// them. The key's own policy denies every other principal of the account,
// administrators included, whatever would read a token: Decrypt, a
// ReEncrypt to a key of their own, or a grant that allows either.
func (p *PersonalData) GrantResetTokens(writer, reader awslambda.Function) {
	grantKey(writer, p.ResetTokenKey, []string{contract.PurposePasswordReset}, "kms:Encrypt")
	grantKey(reader, p.ResetTokenKey, []string{contract.PurposePasswordReset}, "kms:Decrypt")
	p.ResetTokenKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyTheNotificationFunctionDecrypts"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings(resetTokenReads...),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": *reader.Role().RoleArn()}},
	}), jsii.Bool(false))
}

// resetTokenReads are the actions that would let a principal read a reset
// token: only the notification function may.
var resetTokenReads = []string{"kms:Decrypt", "kms:ReEncryptFrom", "kms:CreateGrant"}

// Env is what a function that seals or opens is told of these.
func (p *PersonalData) Env(resetTokens bool) map[contract.Var]*string {
	env := map[contract.Var]*string{
		contract.EnvKeysTable:       p.Keys.TableName(),
		contract.EnvPersonalDataKey: p.PersonalDataKey.KeyArn(),
	}
	if resetTokens {
		env[contract.EnvResetTokenKey] = p.ResetTokenKey.KeyArn()
	}
	return env
}
