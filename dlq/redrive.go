package dlq

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

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
func Redrive(ctx context.Context, client Queues, dlqURL, sourceURL string) (int, error) {
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
func RedriveTo(ctx context.Context, client Queues, dlqURL string, to Destination) (int, error) {
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
				// The rest of the batch was not moved: visible again at once,
				// not after the receive's visibility timeout.
				for _, rest := range out.Messages[i+1:] {
					held = append(held, aws.ToString(rest.ReceiptHandle))
				}
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
