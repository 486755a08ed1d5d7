package dlq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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

// Message attributes EventBridge puts on an event it could not deliver to a
// rule's target and sent to the target's dead-letter queue instead.
const (
	// AttrTargetARN is the ARN of the target EventBridge could not deliver
	// the event to.
	AttrTargetARN = "TARGET_ARN"
	// AttrErrorCode is EventBridge's code for the failure, such as
	// SDK_CLIENT_ERROR or NO_PERMISSIONS.
	AttrErrorCode = "ERROR_CODE"
	// AttrErrorMessage is EventBridge's description of the failure.
	AttrErrorMessage = "ERROR_MESSAGE"
	// AttrRetryAttempts is how often EventBridge tried to deliver the event.
	AttrRetryAttempts = "RETRY_ATTEMPTS"
)

// eventBridgeAnnotations are the attributes EventBridge adds to what it
// dead-letters: they describe the failure, not the event, so they do not
// go back with it.
var eventBridgeAnnotations = []string{"RULE_ARN", AttrTargetARN, AttrErrorCode, AttrErrorMessage, "EXHAUSTED_RETRY_CONDITION", AttrRetryAttempts}

// traceHeader is the system attribute that carries a message's X-Ray trace
// header, so that the consumer's invocation joins the sender's trace.
const traceHeader = string(types.MessageSystemAttributeNameForSendsAWSTraceHeader)

// annotation reports whether an attribute describes a dead-lettering rather
// than the message: ours or EventBridge's.
func annotation(name string) bool {
	return strings.HasPrefix(name, "eventshop.dlq.") || slices.Contains(eventBridgeAnnotations, name)
}

// SQS is the part of the SQS client the package uses.
type SQS interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

var _ SQS = (*sqs.Client)(nil)

// Send puts a message that a consumer received into the dead-letter queue
// dlqURL, with its body, its attributes, its trace header and the reason
// it failed. The caller acknowledges the message only once Send returned
// nil.
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

// Entry describes one dead-lettered message.
type Entry struct {
	MessageID string
	EventType string // detail-type of the EventBridge event, if the body is one
	EventID   string // the envelope's eventId, if any
	Reason    string // why it was dead-lettered; for messages moved by a redrive policy, that
	Source    string // the source queue's ARN, if known
	// Target is, for an event EventBridge could not deliver, the ARN of the
	// rule's target it was meant for.
	Target string `json:",omitempty"`
	// Batch is, for a message from a stream event source mapping's
	// on-failure destination, the stream batch Lambda gave up on.
	Batch    *StreamBatch `json:",omitempty"`
	Age      time.Duration
	Receives string // how often the source queue delivered it, or EventBridge tried to
}

// StreamBatch is Lambda's description of a stream batch that an event
// source mapping gave up on. It names the batch's records, not their
// content: the records stay in the stream until it trims them (after 24
// hours for DynamoDB).
type StreamBatch struct {
	Condition     string // RetryAttemptsExhausted, RecordAgeExceeded, …
	FunctionError string `json:",omitempty"`
	Stream        string // the stream's ARN
	Shard         string
	FirstSequence string
	LastSequence  string
	FirstArrival  string // approximate, as Lambda reports it
	LastArrival   string
	Size          int
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
	defer func() { release(ctx, client, dlqURL, held) }()
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

// release makes received messages visible again at once.
func release(ctx context.Context, client SQS, url string, handles []string) {
	for _, h := range handles {
		_, _ = client.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(h), VisibilityTimeout: 0})
	}
}

func entry(m types.Message) Entry {
	attr := func(name string) string { return aws.ToString(m.MessageAttributes[name].StringValue) }
	e := Entry{MessageID: aws.ToString(m.MessageId), Reason: attr(AttrReason), Source: attr(AttrSource), Receives: attr(AttrReceiveCount), Target: attr(AttrTargetARN)}
	if id := attr(AttrMessageID); id != "" {
		e.MessageID = id
	}
	if sent, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
		e.Age = time.Since(time.UnixMilli(sent)).Round(time.Second)
	}
	var body struct {
		DetailType string `json:"detail-type"`
		Detail     struct {
			EventID string `json:"eventId"`
		} `json:"detail"`
		RequestContext struct {
			Condition              string `json:"condition"`
			ApproximateInvokeCount int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		ResponseContext struct {
			FunctionError string `json:"functionError"`
		} `json:"responseContext"`
		Batch *struct {
			ShardID   string `json:"shardId"`
			Start     string `json:"startSequenceNumber"`
			End       string `json:"endSequenceNumber"`
			FirstAt   string `json:"approximateArrivalOfFirstRecord"`
			LastAt    string `json:"approximateArrivalOfLastRecord"`
			BatchSize int    `json:"batchSize"`
			StreamARN string `json:"streamArn"`
		} `json:"DDBStreamBatchInfo"`
	}
	if json.Unmarshal([]byte(aws.ToString(m.Body)), &body) == nil {
		e.EventType, e.EventID = body.DetailType, body.Detail.EventID
	}
	switch {
	case e.Reason != "":
		// Dead-lettered by Send.
	case body.Batch != nil:
		b := body.Batch
		e.Batch = &StreamBatch{Condition: body.RequestContext.Condition, FunctionError: body.ResponseContext.FunctionError,
			Stream: b.StreamARN, Shard: b.ShardID, FirstSequence: b.Start, LastSequence: b.End, FirstArrival: b.FirstAt, LastArrival: b.LastAt, Size: b.BatchSize}
		e.EventType = "(stream batch)"
		e.Reason = "Lambda gave up on a stream batch: " + e.Batch.Condition
		if e.Batch.FunctionError != "" {
			e.Reason += ", function error " + e.Batch.FunctionError
		}
		e.Receives = strconv.Itoa(body.RequestContext.ApproximateInvokeCount)
	case e.Target != "":
		e.Reason = "EventBridge could not deliver it: " + attr(AttrErrorCode)
		if msg := attr(AttrErrorMessage); msg != "" {
			e.Reason += ": " + msg
		}
		e.Receives = attr(AttrRetryAttempts)
	default:
		e.Reason = "moved by the queue's redrive policy after maxReceiveCount receives"
		e.Receives = m.Attributes["ApproximateReceiveCount"]
	}
	if e.EventType == "" {
		e.EventType = "(not an event)"
	}
	return e
}

// Destination names the queue a dead-lettered message goes back to, given
// what List shows of it. An error leaves the message where it is.
type Destination func(Entry) (queueURL string, err error)

// ToTarget is the Destination for a queue EventBridge dead-letters to: each
// event goes to the target it could not be delivered to, given the URL of
// each queue it may go to by the queue's ARN. An event for any other
// target stays.
func ToTarget(queueURLs map[string]string) Destination {
	return func(e Entry) (string, error) {
		if e.Target == "" {
			return "", fmt.Errorf("no %s attribute: not dead-lettered by EventBridge", AttrTargetARN)
		}
		if url, ok := queueURLs[e.Target]; ok {
			return url, nil
		}
		return "", fmt.Errorf("its target %s is not a queue of the stack", e.Target)
	}
}

// Redrive moves the messages of the dead-letter queue back to sourceURL;
// see RedriveTo. Descriptions of stream batches, which Lambda sends to an
// on-failure destination, stay: they are not events, and no queue takes
// them back.
func Redrive(ctx context.Context, client SQS, dlqURL, sourceURL string) (int, error) {
	return RedriveTo(ctx, client, dlqURL, func(e Entry) (string, error) {
		if e.Batch != nil {
			return "", errors.New("a description of a stream batch, not an event")
		}
		return sourceURL, nil
	})
}

// RedriveTo moves the messages of the dead-letter queue to the queues that
// to names, with their body, their attributes (less the dead-letter
// annotations, ours and EventBridge's) and their trace header, and returns
// how many it moved. Each message is sent before it is deleted. It moves
// at most as many as the queue held when it started, so a message that
// fails again at once and returns is not moved round in circles. Messages
// that to has no queue for stay, and the error says why.
func RedriveTo(ctx context.Context, client SQS, dlqURL string, to Destination) (int, error) {
	limit, err := count(ctx, client, dlqURL)
	if err != nil {
		return 0, err
	}
	moved := 0
	seen := map[string]bool{}
	left := map[string]int{} // why, and how many messages stayed for it
	var held []string        // receipt handles of the messages that stay
	defer func() { release(ctx, client, dlqURL, held) }()
	for len(seen) < limit {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlqURL), MaxNumberOfMessages: int32(min(10, limit-len(seen))), VisibilityTimeout: 60, WaitTimeSeconds: 1,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			return moved, fmt.Errorf("read %s: %w", dlqURL, err)
		}
		fresh := 0
		for i, m := range out.Messages {
			if seen[aws.ToString(m.MessageId)] {
				held = append(held, aws.ToString(m.ReceiptHandle))
				continue
			}
			seen[aws.ToString(m.MessageId)] = true
			fresh++
			dest, err := to(entry(m))
			if err != nil {
				left[err.Error()]++
				held = append(held, aws.ToString(m.ReceiptHandle))
				continue
			}
			attrs := map[string]types.MessageAttributeValue{}
			for name, a := range m.MessageAttributes {
				if !annotation(name) {
					attrs[name] = a
				}
			}
			if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dest), MessageBody: m.Body, MessageAttributes: attrs,
				MessageSystemAttributes: systemAttributes(m.Attributes)}); err != nil {
				for _, rest := range out.Messages[i:] {
					held = append(held, aws.ToString(rest.ReceiptHandle))
				}
				return moved, fmt.Errorf("move %s back: %w", aws.ToString(m.MessageId), err)
			}
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(dlqURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return moved, fmt.Errorf("moved %s back but could not delete it from the dead-letter queue: %w", aws.ToString(m.MessageId), err)
			}
			moved++
		}
		if fresh == 0 {
			break
		}
	}
	if len(left) > 0 {
		var why []string
		n := 0
		for _, reason := range slices.Sorted(maps.Keys(left)) {
			why = append(why, fmt.Sprintf("%d × %s", left[reason], reason))
			n += left[reason]
		}
		return moved, fmt.Errorf("left %d messages in the dead-letter queue: %s", n, strings.Join(why, "; "))
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
