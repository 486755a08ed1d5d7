package esm

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/localstack/provision"
)

// SQS polls one queue for one mapping.
type SQS struct {
	Mapping provision.EventSourceMapping
	Client  *sqs.Client
	Invoker *Invoker
	Region  string
	// Pollers is how many batches may be in flight at once.
	Pollers int
	Log     io.Writer

	queueURL string
}

// Run polls until ctx is done.
func (s *SQS) Run(ctx context.Context) error {
	for s.queueURL == "" {
		out, err := s.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(resourceName(s.Mapping.EventSourceARN))})
		if err == nil {
			s.queueURL = aws.ToString(out.QueueUrl)
			break
		}
		logf(s.Log, s.name(), "find queue: %v; trying again", err)
		if !sleep(ctx, time.Second) {
			return ctx.Err()
		}
	}
	var wg sync.WaitGroup
	for range max(s.Pollers, 1) {
		wg.Go(func() { s.poll(ctx) })
	}
	wg.Wait()
	return nil
}

func (s *SQS) name() string {
	return "sqs→" + s.Mapping.FunctionName[:min(len(s.Mapping.FunctionName), 40)]
}

func (s *SQS) poll(ctx context.Context) {
	for ctx.Err() == nil {
		msgs := s.receive(ctx)
		if len(msgs) == 0 {
			continue
		}
		s.deliver(ctx, msgs)
	}
}

// receive long-polls for up to a batch, honouring the batching window.
// The emulator does not wake a long poll when a message becomes visible
// again, so each poll waits at most a second.
func (s *SQS) receive(ctx context.Context) []sqstypes.Message {
	var batch []sqstypes.Message
	deadline := time.Now().Add(s.Mapping.BatchingWindow)
	for {
		out, err := s.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(s.queueURL),
			MaxNumberOfMessages:         int32(min(s.Mapping.BatchSize-len(batch), 10)),
			WaitTimeSeconds:             1,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if ctx.Err() == nil {
				logf(s.Log, s.name(), "receive: %v", err)
				sleep(ctx, time.Second)
			}
			return batch
		}
		batch = append(batch, out.Messages...)
		// Without a batching window Lambda invokes with whatever one poll
		// returned; with one, it gathers until the batch is full or the
		// window has passed.
		if len(batch) >= s.Mapping.BatchSize || (len(batch) > 0 && !time.Now().Before(deadline)) {
			return batch
		}
	}
}

// deliver invokes the function with a batch and deletes what it
// processed. Messages it did not process stay in the queue, invisible
// until their visibility timeout ends; the queue's redrive policy moves
// them to the dead-letter queue after maxReceiveCount receives.
func (s *SQS) deliver(ctx context.Context, msgs []sqstypes.Message) {
	event := lambdaevents.SQSEvent{Records: make([]lambdaevents.SQSMessage, len(msgs))}
	for i, m := range msgs {
		event.Records[i] = s.record(m)
	}
	resp, err := s.Invoker.Invoke(ctx, s.Mapping.FunctionName, event)
	if err != nil {
		if ctx.Err() == nil {
			logf(s.Log, s.name(), "batch of %d left for retry: %v", len(msgs), err)
		}
		return
	}
	done := msgs
	if s.Mapping.ReportBatchItemFailures {
		failed, ok := failedMessages(resp, msgs)
		if !ok {
			logf(s.Log, s.name(), "batch of %d left for retry: invalid batch item failures %s", len(msgs), resp)
			return
		}
		done = done[:0:0]
		for _, m := range msgs {
			if !failed[aws.ToString(m.MessageId)] {
				done = append(done, m)
			}
		}
	}
	s.delete(ctx, done)
}

// failedMessages reads a partial batch response. As Lambda does, it
// treats the whole batch as failed if an identifier is empty or unknown.
func failedMessages(resp []byte, msgs []sqstypes.Message) (map[string]bool, bool) {
	failed := map[string]bool{}
	if len(resp) == 0 || string(resp) == "null" {
		return failed, true
	}
	var r lambdaevents.SQSEventResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, false
	}
	known := map[string]bool{}
	for _, m := range msgs {
		known[aws.ToString(m.MessageId)] = true
	}
	for _, f := range r.BatchItemFailures {
		if !known[f.ItemIdentifier] {
			return nil, false
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, true
}

func (s *SQS) delete(ctx context.Context, msgs []sqstypes.Message) {
	for len(msgs) > 0 {
		n := min(len(msgs), 10)
		entries := make([]sqstypes.DeleteMessageBatchRequestEntry, n)
		for i, m := range msgs[:n] {
			entries[i] = sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
		}
		out, err := s.Client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(s.queueURL), Entries: entries})
		switch {
		case err != nil:
			logf(s.Log, s.name(), "delete %d processed messages: %v (they will be delivered again)", n, err)
		case len(out.Failed) > 0:
			logf(s.Log, s.name(), "delete: %d of %d refused: %s", len(out.Failed), n, aws.ToString(out.Failed[0].Message))
		}
		msgs = msgs[n:]
	}
}

// record converts a received message to what Lambda passes the function.
func (s *SQS) record(m sqstypes.Message) lambdaevents.SQSMessage {
	r := lambdaevents.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             m.Attributes,
		MessageAttributes:      map[string]lambdaevents.SQSMessageAttribute{},
		EventSource:            "aws:sqs",
		EventSourceARN:         s.Mapping.EventSourceARN,
		AWSRegion:              s.Region,
	}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = lambdaevents.SQSMessageAttribute{
			DataType:    aws.ToString(v.DataType),
			StringValue: v.StringValue,
			BinaryValue: v.BinaryValue,
		}
	}
	return r
}
