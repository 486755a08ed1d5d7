package esm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/backoff"
	"github.com/eventshop/eventshop/localstack/provision"
)

// SQS polls one queue for one mapping.
//
// A receive hides its messages for a short lease — the batching window
// plus the function's timeout plus a margin — and, once its answer has
// arrived, extends them to the queue's visibility timeout, as Lambda's
// poller holds what it received. So failed messages stay hidden for the
// queue's visibility timeout, as on AWS, while the messages of a receive
// whose answer was lost on the way, which the driver never saw, reappear
// once the lease ends. The SDK does not retry a receive, since a retry
// would hide such messages silently: a failed receive is logged, and the
// poller backs off and polls again.
type SQS struct {
	Mapping provision.EventSourceMapping
	Client  *sqs.Client
	Invoker *Invoker
	Region  string
	// Pollers is how many batches may be in flight at once.
	Pollers int
	Log     io.Writer
	// Logger receives what the driver logs; if nil, a text logger on Log.
	Logger *slog.Logger

	queueURL   string
	visibility time.Duration // the queue's visibility timeout
	lease      time.Duration // how long a receive hides its messages at first
	log        *slog.Logger
}

// leaseMargin is how much longer than an invocation may take a receive
// hides its messages at first: time to extend or delete them.
const leaseMargin = 5 * time.Second

// receiveBackoff spaces the polls after failed receives.
var receiveBackoff = backoff.Jittered(100*time.Millisecond, 5*time.Second)

// Run polls until ctx is done.
func (s *SQS) Run(ctx context.Context) error {
	s.log = s.Logger
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(s.Log, nil))
	}
	s.log = s.log.With("mapping", s.name(), "queue", resourceName(s.Mapping.EventSourceARN))
	for failures := 1; ; failures++ {
		err := s.setUp(ctx)
		if err == nil {
			break
		}
		s.log.Warn("set up the mapping; trying again", "error", err)
		if !backoff.Wait(ctx, receiveBackoff(failures), 0) {
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

// setUp finds the queue, its visibility timeout and the function's
// timeout, of which the lease follows.
func (s *SQS) setUp(ctx context.Context) error {
	if s.queueURL == "" {
		out, err := s.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(resourceName(s.Mapping.EventSourceARN))})
		if err != nil {
			return fmt.Errorf("find queue: %w", err)
		}
		s.queueURL = aws.ToString(out.QueueUrl)
	}
	attrs, err := s.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(s.queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameVisibilityTimeout},
	})
	if err != nil {
		return fmt.Errorf("queue attributes: %w", err)
	}
	seconds, err := strconv.Atoi(attrs.Attributes[string(sqstypes.QueueAttributeNameVisibilityTimeout)])
	if err != nil {
		return fmt.Errorf("queue visibility timeout: %w", err)
	}
	fn, err := s.Invoker.client.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(s.Mapping.FunctionName)})
	if err != nil {
		return fmt.Errorf("function timeout: %w", err)
	}
	timeout := 3 * time.Second // Lambda's default
	if t := aws.ToInt32(fn.Timeout); t > 0 {
		timeout = time.Duration(t) * time.Second
	}
	s.visibility = time.Duration(seconds) * time.Second
	s.lease = lease(s.visibility, s.Mapping.BatchingWindow, timeout)
	return nil
}

// lease is how long a receive hides its messages at first: until they
// have waited out the batching window and an invocation has had its
// timeout, with a margin, in whole seconds as SQS counts them — never
// longer than the queue's visibility timeout, which Lambda requires to be
// at least the function's timeout.
func lease(visibility, window, timeout time.Duration) time.Duration {
	return min(visibility, (window + timeout + leaseMargin + time.Second - 1).Truncate(time.Second))
}

func (s *SQS) name() string {
	return "sqs→" + s.Mapping.FunctionName[:min(len(s.Mapping.FunctionName), 40)]
}

func (s *SQS) poll(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		msgs, err := s.receive(ctx)
		if len(msgs) > 0 {
			s.deliver(ctx, msgs)
		}
		if err == nil {
			failures = 0
			continue
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		wait := receiveBackoff(failures)
		// The messages of a receive whose answer was lost reappear when
		// their lease ends; the log says when to expect them.
		s.log.Warn("receive failed; polling again", "error", err, "retry_in", wait, "lost_messages_visible_in", s.lease)
		backoff.Wait(ctx, wait, 0)
	}
}

// noRetry makes one call a single attempt. A retried receive whose first
// answer was lost would hide that answer's messages without a trace.
func noRetry(o *sqs.Options) { o.Retryer = aws.NopRetryer{} }

// receive long-polls for up to a batch, honouring the batching window. It
// returns what it gathered before a failed receive along with the error.
// The emulator does not wake a long poll when a message becomes visible
// again, so each poll waits at most a second.
func (s *SQS) receive(ctx context.Context) ([]sqstypes.Message, error) {
	var batch []sqstypes.Message
	deadline := time.Now().Add(s.Mapping.BatchingWindow)
	for {
		out, err := s.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(s.queueURL),
			MaxNumberOfMessages:         int32(min(s.Mapping.BatchSize-len(batch), 10)),
			WaitTimeSeconds:             1,
			VisibilityTimeout:           int32(s.lease / time.Second),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		}, noRetry)
		if err != nil {
			return batch, err
		}
		s.extend(ctx, out.Messages)
		batch = append(batch, out.Messages...)
		// Without a batching window Lambda invokes with whatever one poll
		// returned; with one, it gathers until the batch is full or the
		// window has passed.
		if len(batch) >= s.Mapping.BatchSize || (len(batch) > 0 && !time.Now().Before(deadline)) {
			return batch, nil
		}
	}
}

// extend hides received messages for the queue's visibility timeout, as a
// receive on AWS does, now that the driver holds them. If it fails they
// reappear when their lease ends, which is after their invocation.
func (s *SQS) extend(ctx context.Context, msgs []sqstypes.Message) {
	if len(msgs) == 0 || s.lease >= s.visibility {
		return
	}
	entries := make([]sqstypes.ChangeMessageVisibilityBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = sqstypes.ChangeMessageVisibilityBatchRequestEntry{
			Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: int32(s.visibility / time.Second),
		}
	}
	out, err := s.Client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(s.queueURL), Entries: entries})
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("extend the visibility of received messages; failures among them reappear early", "messages", len(msgs), "error", err, "visible_in", s.lease)
	case err == nil && len(out.Failed) > 0:
		s.log.Warn("extend the visibility of received messages: some refused", "refused", len(out.Failed), "messages", len(msgs), "reason", aws.ToString(out.Failed[0].Message))
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
			s.log.Warn("batch left for retry", "messages", len(msgs), "error", err)
		}
		return
	}
	done := msgs
	if s.Mapping.ReportBatchItemFailures {
		failed, ok := failedMessages(resp, msgs)
		if !ok {
			s.log.Warn("batch left for retry: invalid batch item failures", "messages", len(msgs), "response", string(resp))
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
			s.log.Warn("delete processed messages; they will be delivered again", "messages", n, "error", err)
		case len(out.Failed) > 0:
			s.log.Warn("delete processed messages: some refused", "refused", len(out.Failed), "messages", n, "reason", aws.ToString(out.Failed[0].Message))
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
