package dlq_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/dlq"
)

const traceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

func str(v string) types.MessageAttributeValue {
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

func TestTheTraceHeaderSurvivesADeadLetterAndARedrive(t *testing.T) {
	ctx := context.Background()
	client := newFakeSQS("source", "dead")
	tenant := "acme"
	msg := lambdaevents.SQSMessage{
		MessageId: "m-1", Body: body, EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:source",
		Attributes:        map[string]string{"ApproximateReceiveCount": "3", "AWSTraceHeader": traceHeader},
		MessageAttributes: map[string]lambdaevents.SQSMessageAttribute{"tenant": {DataType: "String", StringValue: &tenant}},
	}
	if err := dlq.Send(ctx, client, "dead", msg, "invalid event"); err != nil {
		t.Fatal(err)
	}
	dead := client.messages("dead")
	if len(dead) != 1 || dead[0].Attributes["AWSTraceHeader"] != traceHeader {
		t.Fatalf("dead-lettered %+v, want the trace header with it", dead)
	}

	if moved, err := dlq.Redrive(ctx, client, "dead", "source"); err != nil || moved != 1 {
		t.Fatalf("moved %d, %v", moved, err)
	}
	back := client.messages("source")
	if len(back) != 1 || back[0].Attributes["AWSTraceHeader"] != traceHeader || aws.ToString(back[0].MessageAttributes["tenant"].StringValue) != tenant {
		t.Fatalf("moved back %+v, want the trace header and the message's own attributes", back)
	}
	for name := range back[0].MessageAttributes {
		if strings.HasPrefix(name, "eventshop.dlq.") {
			t.Errorf("the annotation %s went back with the message", name)
		}
	}
}

func TestEventsEventBridgeCouldNotDeliverGoBackToTheirTarget(t *testing.T) {
	ctx := context.Background()
	client := newFakeSQS("notification", "customers", "bus-dlq")
	const notification, customers = "arn:aws:sqs:us-east-1:000000000000:notification", "arn:aws:sqs:us-east-1:000000000000:customers"
	deadLetter := func(target, tenant string) {
		t.Helper()
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("bus-dlq"), MessageBody: aws.String(body),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"RULE_ARN": str("arn:aws:events:us-east-1:000000000000:rule/bus/NotificationOnUserRegistered"), dlq.AttrTargetARN: str(target),
				dlq.AttrErrorCode: str("SDK_CLIENT_ERROR"), dlq.AttrErrorMessage: str("Unable to invoke target"),
				"EXHAUSTED_RETRY_CONDITION": str("MaximumRetryAttempts"), dlq.AttrRetryAttempts: str("185"), "tenant": str(tenant),
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
	deadLetter(notification, "a")
	deadLetter(customers, "b")
	deadLetter("arn:aws:sqs:us-east-1:000000000000:elsewhere", "c")

	s, err := dlq.List(ctx, client, "bus-dlq", 10)
	if err != nil || len(s.Entries) != 3 {
		t.Fatalf("summary = %+v, %v", s, err)
	}
	if e := s.Entries[0]; e.Target == "" || e.Reason != "EventBridge could not deliver it: SDK_CLIENT_ERROR: Unable to invoke target" ||
		e.Receives != "185" || e.EventType != "user.registered" {
		t.Errorf("entry = %+v", e)
	}

	moved, err := dlq.RedriveTo(ctx, client, "bus-dlq", dlq.ToTarget(map[string]string{notification: "notification", customers: "customers"}))
	if moved != 2 || err == nil || !strings.Contains(err.Error(), "left 1 messages") || !strings.Contains(err.Error(), ":elsewhere is not a queue of the stack") {
		t.Errorf("moved %d, %v; want 2 and the one for elsewhere left", moved, err)
	}
	for queue, tenant := range map[string]string{"notification": "a", "customers": "b", "bus-dlq": "c"} {
		got := client.messages(queue)
		if len(got) != 1 || aws.ToString(got[0].MessageAttributes["tenant"].StringValue) != tenant || aws.ToString(got[0].Body) != body {
			t.Errorf("%s holds %+v, want the event of %s", queue, got, tenant)
			continue
		}
		_, annotated := got[0].MessageAttributes[dlq.AttrTargetARN]
		if queue != "bus-dlq" && annotated {
			t.Errorf("EventBridge's annotations went to %s: %v", queue, got[0].MessageAttributes)
		}
	}
}

func TestListDescribesAStreamBatchLambdaGaveUpOn(t *testing.T) {
	ctx := context.Background()
	client := newFakeSQS("relay-failures")
	// As Lambda sends it to a DynamoDB stream mapping's on-failure destination.
	record := `{"requestContext":{"requestId":"316aa6d0-8154-xmpl-9af7-85d5f4a6bc81","functionArn":"arn:aws:lambda:us-east-1:000000000000:function:relay",` +
		`"condition":"RetryAttemptsExhausted","approximateInvokeCount":11},"responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},` +
		`"version":"1.0","timestamp":"2025-05-01T10:00:00.000Z","DDBStreamBatchInfo":{"shardId":"shardId-00000001","startSequenceNumber":"100","endSequenceNumber":"300",` +
		`"approximateArrivalOfFirstRecord":"2025-05-01T09:59:00Z","approximateArrivalOfLastRecord":"2025-05-01T09:59:01Z","batchSize":3,` +
		`"streamArn":"arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2025-05-01T00:00:00.000"}}`
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("relay-failures"), MessageBody: aws.String(record)}); err != nil {
		t.Fatal(err)
	}
	s, err := dlq.List(ctx, client, "relay-failures", 10)
	if err != nil || len(s.Entries) != 1 {
		t.Fatalf("summary = %+v, %v", s, err)
	}
	e := s.Entries[0]
	want := dlq.StreamBatch{Condition: "RetryAttemptsExhausted", FunctionError: "Unhandled", Stream: "arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2025-05-01T00:00:00.000",
		Shard: "shardId-00000001", FirstSequence: "100", LastSequence: "300", FirstArrival: "2025-05-01T09:59:00Z", LastArrival: "2025-05-01T09:59:01Z", Size: 3}
	if e.Batch == nil || *e.Batch != want {
		t.Errorf("batch = %+v, want %+v", e.Batch, want)
	}
	if e.EventType != "(stream batch)" || !strings.Contains(e.Reason, "RetryAttemptsExhausted") || e.Receives != "11" {
		t.Errorf("entry = %+v", e)
	}
}

func TestARedriveThatCannotDeleteReleasesTheRestOfItsBatch(t *testing.T) {
	ctx := context.Background()
	client := newFakeSQS("source", "dead")
	for i := range 3 {
		msg := lambdaevents.SQSMessage{MessageId: "m-" + string(rune('a'+i)), Body: body, EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:source",
			Attributes: map[string]string{"ApproximateReceiveCount": "5"}}
		if err := dlq.Send(ctx, client, "dead", msg, "failed"); err != nil {
			t.Fatal(err)
		}
	}
	deletes := 0
	client.deleteErr = func(string) error {
		if deletes++; deletes == 1 {
			return errors.New("throttled")
		}
		return nil
	}
	moved, err := dlq.Redrive(ctx, client, "dead", "source")
	if err == nil || moved != 0 {
		t.Fatalf("moved %d, %v; want an error at the first delete", moved, err)
	}
	// The two messages received with the first, and not moved, must be
	// visible again at once rather than in a minute.
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("dead"), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 2 {
		t.Errorf("%d messages visible in the dead-letter queue after the failed delete, want the 2 not yet moved", len(out.Messages))
	}
}
