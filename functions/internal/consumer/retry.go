package consumer

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/backoff"
)

// Visibility is the part of the SQS client that delays a message's next
// delivery.
type Visibility interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
}

// retry leaves a delivery that failed for a later one, invisible for a
// backoff that grows with its receives — unless this was the last receive
// the queue allows (maxReceives), when it rejects it with the reason, so
// that it is dead-lettered with it rather than moved without it by the
// queue's redrive policy. Without a client or a backoff, the queue's own
// visibility timeout applies.
func retry(queues Visibility, maxReceives int, wait func(n int) time.Duration) Middleware {
	urls := &queueURLs{client: queues}
	return func(next Stage) Stage {
		return func(ctx context.Context, d Delivery) Outcome {
			o := next(ctx, d)
			if o.Kind != Retry {
				return o
			}
			if maxReceives > 0 && d.Receives >= maxReceives {
				o.Kind, o.Err = Rejected, fmt.Errorf("failed %d times, the last: %w", d.Receives, o.Err)
				return o
			}
			if queues == nil || wait == nil {
				return o
			}
			delay := wait(max(d.Receives, 1))
			o = o.with(slog.Float64("retry_in_s", delay.Seconds()))
			url, err := urls.of(ctx, d.Message.EventSourceARN)
			if err == nil {
				_, err = queues.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
					QueueUrl: aws.String(url), ReceiptHandle: aws.String(d.Message.ReceiptHandle), VisibilityTimeout: int32(delay.Seconds()),
				})
			}
			if err != nil {
				// The queue's own visibility timeout applies instead.
				o = o.with(slog.String("visibility_error", err.Error()))
			}
			return o
		}
	}
}

// queueURLs looks up queue URLs by ARN, once each.
type queueURLs struct {
	client Visibility
	urls   sync.Map // by ARN
}

func (q *queueURLs) of(ctx context.Context, arn string) (string, error) {
	if url, ok := q.urls.Load(arn); ok {
		return url.(string), nil
	}
	out, err := q.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(arn[strings.LastIndex(arn, ":")+1:])})
	if err != nil {
		return "", fmt.Errorf("queue of %s: %w", arn, err)
	}
	q.urls.Store(arn, aws.ToString(out.QueueUrl))
	return aws.ToString(out.QueueUrl), nil
}

// VisibilityBackoff is the wait before the nth delivery of a failed
// message: base × 2^(n−1), at most ceiling, with equal jitter (see
// backoff.Equal), in whole seconds of at least one, as SQS visibility
// timeouts count seconds.
func VisibilityBackoff(base, ceiling time.Duration) func(n int) time.Duration {
	jittered := backoff.Equal(base, ceiling)
	return func(n int) time.Duration {
		return max(jittered(n).Round(time.Second), time.Second)
	}
}
