package provision

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// HoldsData lists the resource types whose contents an emulator with a
// data directory keeps across restarts, and that Deploy takes over from a
// previous deployment (Deployer.Adopt) instead of creating them again:
// tables, queues, keys (what they sealed stays readable) and the mail
// sender, whose sent mail is the local mailbox. Everything else is
// created afresh on each start, from the template as it is now.
var HoldsData = []string{
	"AWS::DynamoDB::Table",
	"AWS::SQS::Queue",
	"AWS::KMS::Key",
	"AWS::SES::EmailIdentity",
	"AWS::SES::ConfigurationSet",
}

// errGone says that a resource to adopt is no longer in the emulator:
// Deploy creates it.
var errGone = errors.New("not in the emulator")

// replacement says that a resource to adopt differs from the template in
// what the emulator cannot change in place, and was deleted: Deploy
// creates it afresh, empty, and says so in Replaced.
type replacement string

func (r replacement) Error() string { return string(r) }

// tookOver says whether an adoption that ended in err took the resource
// over; it records a replacement, and returns every other error.
func (d *Deployer) tookOver(id string, err error) (bool, error) {
	var r replacement
	switch {
	case err == nil:
		d.Adopted++
		return true, nil
	case errors.As(err, &r):
		d.Replaced = append(d.Replaced, fmt.Sprintf("%s: %s", id, r))
		return false, nil
	case errors.Is(err, errGone):
		return false, nil
	}
	return false, fmt.Errorf("take over the kept resource: %w", err)
}

// adoptTable takes over the table name if it exists with the key schema,
// indexes and stream that in asks for, and applies what the emulator can
// change in place (time to live, by the caller, as on creation). The
// emulator cannot add or change an index or a stream on an existing
// table: such a template change re-creates the table, empty.
func (d *Deployer) adoptTable(ctx context.Context, name string, in *dynamodb.CreateTableInput) (*ddbtypes.TableDescription, error) {
	out, err := d.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var missing *ddbtypes.ResourceNotFoundException
	if errors.As(err, &missing) {
		return nil, errGone
	}
	if err != nil {
		return nil, err
	}
	t := out.Table
	var why []string
	if !sameKeys(t.KeySchema, in.KeySchema) {
		why = append(why, "key schema")
	}
	if !sameIndexes(gsiKeys(t.GlobalSecondaryIndexes), gsiKeys(in.GlobalSecondaryIndexes)) ||
		!sameIndexes(lsiKeys(t.LocalSecondaryIndexes), lsiKeys(in.LocalSecondaryIndexes)) {
		why = append(why, "indexes")
	}
	var wantView, haveView ddbtypes.StreamViewType
	if in.StreamSpecification != nil {
		wantView = in.StreamSpecification.StreamViewType
	}
	if t.StreamSpecification != nil && aws.ToBool(t.StreamSpecification.StreamEnabled) {
		haveView = t.StreamSpecification.StreamViewType
	}
	if wantView != haveView {
		why = append(why, "stream")
	}
	if len(why) > 0 {
		if _, err := d.ddb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			return nil, fmt.Errorf("delete the table %s to re-create it: %w", name, err)
		}
		return nil, replacement(fmt.Sprintf("its %s changed, which the emulator cannot change in place: re-created, empty", strings.Join(why, " and ")))
	}
	return t, nil
}

// adoptQueue takes over the queue at url if it exists and is of the same
// kind (standard or FIFO), and sets its attributes to the template's.
func (d *Deployer) adoptQueue(ctx context.Context, url string, fifo bool, attrs map[string]string) (arn string, err error) {
	got, err := d.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn, sqstypes.QueueAttributeNameFifoQueue},
	})
	var missing *sqstypes.QueueDoesNotExist
	if errors.As(err, &missing) {
		return "", errGone
	}
	if err != nil {
		return "", err
	}
	if (got.Attributes["FifoQueue"] == "true") != fifo {
		if _, err := d.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
			return "", err
		}
		return "", replacement("it changed between standard and FIFO: re-created, empty")
	}
	settable := map[string]string{}
	for k, v := range attrs {
		if k != "FifoQueue" {
			settable[k] = v
		}
	}
	if len(settable) > 0 {
		if _, err := d.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: settable}); err != nil {
			return "", fmt.Errorf("update the queue's attributes: %w", err)
		}
	}
	return got.Attributes["QueueArn"], nil
}

// adoptKey takes over the key keyID if it exists and is enabled, and
// gives it the template's policy: what it encrypted stays readable.
func (d *Deployer) adoptKey(ctx context.Context, keyID string, policy *string) (*kmstypes.KeyMetadata, error) {
	out, err := d.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	var missing *kmstypes.NotFoundException
	if errors.As(err, &missing) {
		return nil, errGone
	}
	if err != nil {
		return nil, err
	}
	if !out.KeyMetadata.Enabled {
		return nil, errGone
	}
	if policy != nil {
		if _, err := d.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), Policy: policy, PolicyName: aws.String("default")}); err != nil {
			return nil, fmt.Errorf("update the key policy: %w", err)
		}
	}
	return out.KeyMetadata, nil
}

// adoptIdentity takes over the sender identity if the emulator has it.
func (d *Deployer) adoptIdentity(ctx context.Context, identity string) error {
	_, err := d.ses.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(identity)})
	return orGone(err)
}

// adoptConfigurationSet takes over the configuration set if it exists.
func (d *Deployer) adoptConfigurationSet(ctx context.Context, name string) error {
	_, err := d.ses.GetConfigurationSet(ctx, &sesv2.GetConfigurationSetInput{ConfigurationSetName: aws.String(name)})
	return orGone(err)
}

func orGone(err error) error {
	if err == nil {
		return nil
	}
	var missing interface{ ErrorCode() string }
	if errors.As(err, &missing) && missing.ErrorCode() == "NotFoundException" {
		return errGone
	}
	return err
}

func sameKeys(a, b []ddbtypes.KeySchemaElement) bool {
	key := func(k ddbtypes.KeySchemaElement) string {
		return string(k.KeyType) + " " + aws.ToString(k.AttributeName)
	}
	as, bs := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		as[i] = key(a[i])
	}
	for i := range b {
		bs[i] = key(b[i])
	}
	slices.Sort(as)
	slices.Sort(bs)
	return slices.Equal(as, bs)
}

type index struct {
	name string
	keys []ddbtypes.KeySchemaElement
}

func gsiKeys[T ddbtypes.GlobalSecondaryIndex | ddbtypes.GlobalSecondaryIndexDescription](in []T) []index {
	out := make([]index, 0, len(in))
	for _, i := range in {
		switch v := any(i).(type) {
		case ddbtypes.GlobalSecondaryIndex:
			out = append(out, index{aws.ToString(v.IndexName), v.KeySchema})
		case ddbtypes.GlobalSecondaryIndexDescription:
			out = append(out, index{aws.ToString(v.IndexName), v.KeySchema})
		}
	}
	return out
}

func lsiKeys[T ddbtypes.LocalSecondaryIndex | ddbtypes.LocalSecondaryIndexDescription](in []T) []index {
	out := make([]index, 0, len(in))
	for _, i := range in {
		switch v := any(i).(type) {
		case ddbtypes.LocalSecondaryIndex:
			out = append(out, index{aws.ToString(v.IndexName), v.KeySchema})
		case ddbtypes.LocalSecondaryIndexDescription:
			out = append(out, index{aws.ToString(v.IndexName), v.KeySchema})
		}
	}
	return out
}

func sameIndexes(a, b []index) bool {
	byName := func(x, y index) int { return cmp.Compare(x.name, y.name) }
	slices.SortFunc(a, byName)
	slices.SortFunc(b, byName)
	return slices.EqualFunc(a, b, func(x, y index) bool { return x.name == y.name && sameKeys(x.keys, y.keys) })
}
