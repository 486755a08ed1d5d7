package dlq_test

import (
	"context"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

func emulatorSQS(t *testing.T) *sqs.Client {
	t.Helper()
	_, cfg := emulatortest.Start(t)
	return sqs.NewFromConfig(cfg)
}

func queue(t *testing.T, client *sqs.Client) string {
	t.Helper()
	out, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("q-" + uuid.NewString()[:8])})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

const body = `{"version":"0","detail-type":"user.registered","source":"eventshop.user","detail":{"eventId":"0b7e6f38-2b1d-4c47-9f3e-5d0c2a9f61aa"}}`

func TestADeadLetteredMessageCarriesItsReasonAndGoesBackWhole(t *testing.T) {
	client := emulatorSQS(t)
	ctx := context.Background()
	source, dead := queue(t, client), queue(t, client)

	tenant := "acme"
	msg := lambdaevents.SQSMessage{
		MessageId: "m-1", Body: body, EventSourceARN: "arn:aws:sqs:us-east-1:000000000000:source",
		// The emulator keeps no system attributes; TestTheTraceHeaderSurvivesADeadLetterAndARedrive
		// shows that the trace header goes along.
		Attributes:        map[string]string{"ApproximateReceiveCount": "3", "AWSTraceHeader": traceHeader},
		MessageAttributes: map[string]lambdaevents.SQSMessageAttribute{"tenant": {DataType: "String", StringValue: &tenant}},
	}
	if err := dlq.Send(ctx, client, dead, msg, "invalid event: data.email: is not a valid email"); err != nil {
		t.Fatal(err)
	}
	s, err := dlq.List(ctx, client, dead, 100)
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != 1 || len(s.Entries) != 1 {
		t.Fatalf("summary = %+v", s)
	}
	e := s.Entries[0]
	if e.MessageID != "m-1" || e.EventType != "user.registered" || e.EventID != "0b7e6f38-2b1d-4c47-9f3e-5d0c2a9f61aa" ||
		!strings.Contains(e.Reason, "data.email") || e.Receives != "3" || !strings.HasSuffix(e.Source, ":source") {
		t.Errorf("entry = %+v", e)
	}
	if s.Types["user.registered"] != 1 || len(s.Reasons) != 1 {
		t.Errorf("counts = %v, %v", s.Types, s.Reasons)
	}

	// Listing leaves the message where it is.
	moved, err := dlq.Redrive(ctx, client, dead, source)
	if err != nil || moved != 1 {
		t.Fatalf("moved %d, %v", moved, err)
	}
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(source), MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("source queue holds %d messages, %v", len(out.Messages), err)
	}
	back := out.Messages[0]
	if aws.ToString(back.Body) != body || aws.ToString(back.MessageAttributes["tenant"].StringValue) != tenant {
		t.Errorf("moved back %q with %v", aws.ToString(back.Body), back.MessageAttributes)
	}
	for _, name := range []string{dlq.AttrReason, dlq.AttrSource, dlq.AttrReceiveCount, dlq.AttrMessageID} {
		if _, ok := back.MessageAttributes[name]; ok {
			t.Errorf("the annotation %s went back with the message", name)
		}
	}
	if s, _ := dlq.List(ctx, client, dead, 10); len(s.Entries) != 0 {
		t.Errorf("the dead-letter queue still holds %d", len(s.Entries))
	}
}

func TestListNamesTheRedrivePolicyForMessagesWithoutAReason(t *testing.T) {
	client := emulatorSQS(t)
	dead := queue(t, client)
	_, err := client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(dead), MessageBody: aws.String("not json"),
		MessageAttributes: map[string]types.MessageAttributeValue{}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := dlq.List(context.Background(), client, dead, 10)
	if err != nil || len(s.Entries) != 1 || !strings.Contains(s.Entries[0].Reason, "redrive policy") || s.Entries[0].EventType != "(not an event)" {
		t.Errorf("summary = %+v, %v", s, err)
	}
}
