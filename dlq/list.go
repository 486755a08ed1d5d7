package dlq

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Queues is the part of the SQS client that List, Redrive and RedriveTo
// use: what an operator needs.
type Queues interface {
	Sender
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

var _ Queues = (*sqs.Client)(nil)

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
func List(ctx context.Context, client Queues, dlqURL string, limit int) (s Summary, err error) {
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
func release(ctx context.Context, client Queues, url string, handles []string) {
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

// count is how many messages a queue holds, visible or in flight: in a
// dead-letter queue nobody processes, in flight means listed a moment ago.
func count(ctx context.Context, client Queues, url string) (int, error) {
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
