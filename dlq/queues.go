package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/contract"
)

// Kinds of dead-letter queue, by what they hold and where it goes back to.
const (
	// KindConsumer holds messages a consumer gave up on; they go back to
	// the consumer's queue.
	KindConsumer = "consumer"
	// KindBus holds events EventBridge could not deliver to a rule's
	// target; each goes back to its target.
	KindBus = "bus"
	// KindRelay holds Lambda's descriptions of the stream batches the
	// relay gave up on: not events, so nothing goes back.
	KindRelay = "relay"
)

// ErrNotEvents is returned by RedriveQueue for the relay's failures
// queue, which holds descriptions of stream batches, not events.
var ErrNotEvents = errors.New("the relay's failures queue holds Lambda's descriptions of the stream batches the relay gave up on, not events: there is nothing to move back")

// Queue is a dead-letter queue of a stack.
type Queue struct {
	// Name is what evctl and the console call it: a consumer's name,
	// "bus" or "relay".
	Name string `json:"name"`
	Kind string `json:"kind"`
	URL  string `json:"queue"`
	// Source is, for a consumer's, the queue its messages go back to.
	Source string `json:"source,omitempty"`
}

// QueuesOf lists the dead-letter queues a stack's outputs name, by name.
func QueuesOf(outputs map[string]string) []Queue {
	var out []Queue
	for key, url := range outputs {
		// Every consumer's, this build's or a newer stack's.
		if consumer, ok := contract.ConsumerOfDLQOutput(contract.Output(key)); ok && outputs[string(contract.QueueOutputOf(consumer))] != "" {
			out = append(out, Queue{Name: lowerFirst(consumer), Kind: KindConsumer, URL: url, Source: outputs[string(contract.QueueOutputOf(consumer))]})
		}
	}
	if url := outputs[string(contract.OutputBusDLQURL)]; url != "" {
		out = append(out, Queue{Name: "bus", Kind: KindBus, URL: url})
	}
	if url := outputs[string(contract.OutputRelayFailuresQueueURL)]; url != "" {
		out = append(out, Queue{Name: "relay", Kind: KindRelay, URL: url})
	}
	slices.SortFunc(out, func(a, b Queue) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Find finds a dead-letter queue by name, in any case and with or without
// separators: "order-history" finds orderHistory.
func Find(queues []Queue, name string) (Queue, bool) {
	for _, q := range queues {
		if fold(q.Name) == fold(name) {
			return q, true
		}
	}
	return Queue{}, false
}

// RedriveQueue moves q's messages back where they came from, as its kind
// says — a consumer's to its queue, the bus's to the consumer queues of
// all that were their targets — and returns how many it moved and where
// to, in words. The relay's failures stay, with ErrNotEvents.
func RedriveQueue(ctx context.Context, client Queues, q Queue, all []Queue) (moved int, where string, err error) {
	switch q.Kind {
	case KindConsumer:
		moved, err = Redrive(ctx, client, q.URL, q.Source)
		return moved, "its queue", err
	case KindBus:
		targets, err := consumerQueuesByARN(ctx, client, all)
		if err != nil {
			return 0, "their targets", err
		}
		moved, err = RedriveTo(ctx, client, q.URL, ToTarget(targets))
		return moved, "their targets", err
	}
	return 0, "", ErrNotEvents
}

// consumerQueuesByARN maps the ARN of each consumer's queue, the targets
// of the bus's rules, to its URL.
func consumerQueuesByARN(ctx context.Context, client Queues, all []Queue) (map[string]string, error) {
	out := map[string]string{}
	for _, q := range all {
		if q.Kind != KindConsumer {
			continue
		}
		attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(q.Source),
			AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
		if err != nil {
			return nil, fmt.Errorf("%s's queue: %w", q.Name, err)
		}
		out[attrs.Attributes[string(types.QueueAttributeNameQueueArn)]] = q.Source
	}
	return out, nil
}

// Depth is how many messages a queue holds, visible or in flight.
func Depth(ctx context.Context, client Queues, url string) (int, error) {
	return count(ctx, client, url)
}

// fold reduces a name to its lower-case letters and digits.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}
