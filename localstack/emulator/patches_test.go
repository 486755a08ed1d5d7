package emulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

// TestARuleMatchesAListInTheEventByAnyOfItsValues holds the emulator to
// EventBridge's matching of list values (localstack/kumo/patches/0002):
// SES publishes a mail's tags as lists, and the stack's rule on its
// bounces matches one of them.
func TestARuleMatchesAListInTheEventByAnyOfItsValues(t *testing.T) {
	_, cfg := emulatortest.Start(t)
	ctx := context.Background()
	q, eb := sqs.NewFromConfig(cfg), eventbridge.NewFromConfig(cfg)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("matched")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: queue.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	pattern := `{"source":["aws.ses"],"detail":{"mail":{"tags":{"ses:configuration-set":["mail"]}}}}`
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	for _, tags := range []string{`["other","mail"]`, `["other"]`} {
		_, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String("aws.ses"),
			DetailType: aws.String("Email Bounced"), Detail: aws.String(`{"mail":{"tags":{"ses:configuration-set":` + tags + `}}}`)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Errorf("%d events routed (%v), want the one whose list holds the value", len(out.Messages), err)
	}
}
