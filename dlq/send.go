package dlq

import (
	"context"
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Sender is the part of the SQS client that Send uses: what a consumer
// needs at Lambda time.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// Send puts a message that a consumer received into the dead-letter queue
// dlqURL, with its body, its attributes, its trace header and the reason
// it failed. The caller acknowledges the message only once Send returned
// nil.
func Send(ctx context.Context, client Sender, dlqURL string, msg lambdaevents.SQSMessage, reason string) error {
	attrs := map[string]types.MessageAttributeValue{}
	for name, a := range msg.MessageAttributes {
		if !annotation(name) {
			attrs[name] = types.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: a.StringValue, BinaryValue: a.BinaryValue}
		}
	}
	str := func(v string) types.MessageAttributeValue {
		if v == "" {
			v = "-"
		}
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	attrs[AttrReason] = str(truncate(reason, 1024))
	attrs[AttrSource] = str(msg.EventSourceARN)
	attrs[AttrReceiveCount] = str(msg.Attributes["ApproximateReceiveCount"])
	attrs[AttrMessageID] = str(msg.MessageId)
	_, err := client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(dlqURL), MessageBody: aws.String(msg.Body), MessageAttributes: attrs,
		MessageSystemAttributes: systemAttributes(msg.Attributes),
	})
	if err != nil {
		return fmt.Errorf("dead-letter %s: %w", msg.MessageId, err)
	}
	return nil
}

// systemAttributes are the system attributes of a received message that a
// send can carry on: only its trace header.
func systemAttributes(received map[string]string) map[string]types.MessageSystemAttributeValue {
	h := received[traceHeader]
	if h == "" {
		return nil
	}
	return map[string]types.MessageSystemAttributeValue{traceHeader: {DataType: aws.String("String"), StringValue: aws.String(h)}}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
