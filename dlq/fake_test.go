package dlq_test

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/dlq"
)

// fakeSQS keeps queues in memory with the part of SQS's contract that dlq
// relies on: a received message is invisible until its visibility timeout
// passes or is set to 0, and is gone once deleted. Unlike the emulator, it
// keeps system attributes such as AWSTraceHeader.
type fakeSQS struct {
	mu     sync.Mutex
	queues map[string][]*fakeMessage
	next   int
	// deleteErr, if set, fails the deletes it returns an error for.
	deleteErr func(receipt string) error
}

type fakeMessage struct {
	types.Message
	invisibleUntil time.Time
}

var _ dlq.Queues = (*fakeSQS)(nil)

func newFakeSQS(urls ...string) *fakeSQS {
	f := &fakeSQS{queues: map[string][]*fakeMessage{}}
	for _, u := range urls {
		f.queues[u] = nil
	}
	return f
}

func (f *fakeSQS) queue(url *string) ([]*fakeMessage, error) {
	q, ok := f.queues[aws.ToString(url)]
	if !ok {
		return nil, fmt.Errorf("no queue %s", aws.ToString(url))
	}
	return q, nil
}

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, err := f.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	f.next++
	id := "m" + strconv.Itoa(f.next)
	attrs := map[string]string{"SentTimestamp": strconv.FormatInt(time.Now().UnixMilli(), 10)}
	for name, v := range in.MessageSystemAttributes {
		attrs[name] = aws.ToString(v.StringValue)
	}
	f.queues[aws.ToString(in.QueueUrl)] = append(q, &fakeMessage{Message: types.Message{
		MessageId: aws.String(id), ReceiptHandle: aws.String("r-" + id), Body: in.MessageBody,
		MessageAttributes: maps.Clone(in.MessageAttributes), Attributes: attrs,
	}})
	return &sqs.SendMessageOutput{MessageId: aws.String(id)}, nil
}

func (f *fakeSQS) ReceiveMessage(_ context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, err := f.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	out := &sqs.ReceiveMessageOutput{}
	now := time.Now()
	for _, m := range q {
		if len(out.Messages) == int(max(in.MaxNumberOfMessages, 1)) {
			break
		}
		if m.invisibleUntil.After(now) {
			continue
		}
		m.invisibleUntil = now.Add(time.Duration(in.VisibilityTimeout) * time.Second)
		out.Messages = append(out.Messages, m.Message)
	}
	return out, nil
}

func (f *fakeSQS) find(url, receipt *string) (*fakeMessage, int, error) {
	q, err := f.queue(url)
	if err != nil {
		return nil, 0, err
	}
	for i, m := range q {
		if aws.ToString(m.ReceiptHandle) == aws.ToString(receipt) {
			return m, i, nil
		}
	}
	return nil, 0, fmt.Errorf("no message %s", aws.ToString(receipt))
}

func (f *fakeSQS) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleteErr != nil {
		if err := f.deleteErr(aws.ToString(in.ReceiptHandle)); err != nil {
			return nil, err
		}
	}
	_, i, err := f.find(in.QueueUrl, in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	url := aws.ToString(in.QueueUrl)
	f.queues[url] = append(f.queues[url][:i], f.queues[url][i+1:]...)
	return &sqs.DeleteMessageOutput{}, nil
}

func (f *fakeSQS) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, _, err := f.find(in.QueueUrl, in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	m.invisibleUntil = time.Now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

func (f *fakeSQS) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, err := f.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	visible, hidden := 0, 0
	for _, m := range q {
		if m.invisibleUntil.After(time.Now()) {
			hidden++
		} else {
			visible++
		}
	}
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{
		string(types.QueueAttributeNameApproximateNumberOfMessages):           strconv.Itoa(visible),
		string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible): strconv.Itoa(hidden),
	}}, nil
}

// messages returns what a queue holds, visible or not.
func (f *fakeSQS) messages(url string) []types.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []types.Message
	for _, m := range f.queues[url] {
		out = append(out, m.Message)
	}
	return out
}
