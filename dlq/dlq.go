package dlq

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Message attributes a dead-lettered message carries, besides its own.
const (
	// AttrReason says why the message can never succeed.
	AttrReason = "eventshop.dlq.reason"
	// AttrSource is the ARN of the queue the message came from.
	AttrSource = "eventshop.dlq.source"
	// AttrReceiveCount is how often the source queue had delivered it.
	AttrReceiveCount = "eventshop.dlq.receiveCount"
	// AttrMessageID is the message's id in the source queue.
	AttrMessageID = "eventshop.dlq.messageId"
)

// annotation reports whether an attribute is one of ours.
func annotation(name string) bool { return strings.HasPrefix(name, "eventshop.dlq.") }

// SQS is the part of the SQS client the package uses.
type SQS interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Send puts a message that a consumer received into the dead-letter queue
// dlqURL, with its body and attributes and the reason it failed. The
// caller acknowledges the message only once Send returned nil.
func Send(ctx context.Context, client SQS, dlqURL string, msg lambdaevents.SQSMessage, reason string) error {
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
	_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dlqURL), MessageBody: aws.String(msg.Body), MessageAttributes: attrs})
	if err != nil {
		return fmt.Errorf("dead-letter %s: %w", msg.MessageId, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// Entry describes one dead-lettered message.
type Entry struct {
	MessageID string
	EventType string // detail-type of the EventBridge event, if the body is one
	EventID   string // the envelope's eventId, if any
	Reason    string // why it was dead-lettered; for messages moved by a redrive policy, that
	Source    string // the source queue's ARN, if known
	Age       time.Duration
	Receives  string // how often the source queue delivered it
}

// Summary is what a dead-letter queue holds.
type Summary struct {
	Count   int
	Entries []Entry
	Reasons map[string]int
	Types   map[string]int
	Oldest  time.Duration
}

// List reads up to limit messages of a dead-letter queue without removing
// them: each is received and made visible again at once. Count is the
// queue's approximate size, which may exceed what was read.
func List(ctx context.Context, client SQS, dlqURL string, limit int) (s Summary, err error) {
	s = Summary{Reasons: map[string]int{}, Types: map[string]int{}}
	if s.Count, err = count(ctx, client, dlqURL); err != nil {
		return s, err
	}

	seen := map[string]bool{}
	var held []string // receipt handles to make visible again
	defer func() {
		for _, h := range held {
			_, _ = client.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(dlqURL), ReceiptHandle: aws.String(h), VisibilityTimeout: 0})
		}
	}()
	for len(s.Entries) < limit {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: int32(min(10, limit-len(s.Entries))),
			VisibilityTimeout: 30, WaitTimeSeconds: 0,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			return s, fmt.Errorf("read %s: %w", dlqURL, err)
		}
		fresh := 0
		for _, m := range out.Messages {
			held = append(held, aws.ToString(m.ReceiptHandle))
			if seen[aws.ToString(m.MessageId)] {
				continue
			}
			seen[aws.ToString(m.MessageId)] = true
			fresh++
			e := entry(m)
			s.Entries = append(s.Entries, e)
			s.Reasons[e.Reason]++
			s.Types[e.EventType]++
			s.Oldest = max(s.Oldest, e.Age)
		}
		if fresh == 0 {
			break
		}
	}
	slices.SortFunc(s.Entries, func(a, b Entry) int { return int(b.Age - a.Age) })
	return s, nil
}

func entry(m types.Message) Entry {
	attr := func(name string) string { return aws.ToString(m.MessageAttributes[name].StringValue) }
	e := Entry{MessageID: aws.ToString(m.MessageId), Reason: attr(AttrReason), Source: attr(AttrSource), Receives: attr(AttrReceiveCount)}
	if e.Reason == "" {
		e.Reason = "moved by the queue's redrive policy after maxReceiveCount receives"
		e.Receives = m.Attributes["ApproximateReceiveCount"]
	}
	if id := attr(AttrMessageID); id != "" {
		e.MessageID = id
	}
	if sent, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
		e.Age = time.Since(time.UnixMilli(sent)).Round(time.Second)
	}
	var ev struct {
		DetailType string `json:"detail-type"`
		Detail     struct {
			EventID string `json:"eventId"`
		} `json:"detail"`
	}
	if json.Unmarshal([]byte(aws.ToString(m.Body)), &ev) == nil {
		e.EventType, e.EventID = ev.DetailType, ev.Detail.EventID
	}
	if e.EventType == "" {
		e.EventType = "(not an event)"
	}
	return e
}

// Redrive moves the messages of the dead-letter queue back to sourceURL,
// with their body and attributes (less the dead-letter annotations), and
// returns how many it moved. Each message is sent before it is deleted. It
// moves at most as many as the queue held when it started, so a message
// that fails again at once and returns is not moved round in circles.
func Redrive(ctx context.Context, client SQS, dlqURL, sourceURL string) (int, error) {
	limit, err := count(ctx, client, dlqURL)
	if err != nil {
		return 0, err
	}
	moved := 0
	for moved < limit {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: int32(min(10, limit-moved)), VisibilityTimeout: 60, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"},
		})
		if err != nil {
			return moved, fmt.Errorf("read %s: %w", dlqURL, err)
		}
		if len(out.Messages) == 0 {
			return moved, nil
		}
		for _, m := range out.Messages {
			attrs := map[string]types.MessageAttributeValue{}
			for name, a := range m.MessageAttributes {
				if !annotation(name) {
					attrs[name] = a
				}
			}
			if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(sourceURL), MessageBody: m.Body, MessageAttributes: attrs}); err != nil {
				return moved, fmt.Errorf("move %s back: %w", aws.ToString(m.MessageId), err)
			}
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(dlqURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return moved, fmt.Errorf("moved %s back but could not delete it from the dead-letter queue: %w", aws.ToString(m.MessageId), err)
			}
			moved++
		}
	}
	return moved, nil
}

// count is how many messages a queue holds, visible or in flight: in a
// dead-letter queue nobody processes, in flight means listed a moment ago.
func count(ctx context.Context, client SQS, url string) (int, error) {
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", url, err)
	}
	visible, _ := strconv.Atoi(attrs.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	hidden, _ := strconv.Atoi(attrs.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible + hidden, nil
}
