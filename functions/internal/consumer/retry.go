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
func retry(queues Visibility, urls *queueURLs, maxReceives int, wait func(n int) time.Duration) middleware {
	return func(next stage) stage {
		return func(ctx context.Context, d delivery) outcome {
			o := next(ctx, d)
			if o.kind != retrying {
				return o
			}
			if maxReceives > 0 && d.receives >= maxReceives {
				o.kind, o.err = rejected, fmt.Errorf("failed %d times, the last: %w", d.receives, o.err)
				return o
			}
			if queues == nil || wait == nil {
				return o
			}
			delay := wait(max(d.receives, 1))
			o = o.with(slog.Float64("retry_in_s", delay.Seconds()))
			url, err := urls.of(ctx, queues, d.msg.EventSourceARN)
			if err == nil {
				_, err = queues.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
					QueueUrl: aws.String(url), ReceiptHandle: aws.String(d.msg.ReceiptHandle), VisibilityTimeout: int32(delay.Seconds()),
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

// queueURLs are queue URLs by ARN, looked up once each for the life of
// the function. It is safe for concurrent use.
type queueURLs struct {
	urls sync.Map
}

func (q *queueURLs) of(ctx context.Context, client Visibility, arn string) (string, error) {
	if url, ok := q.urls.Load(arn); ok {
		return url.(string), nil
	}
	out, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(arn[strings.LastIndex(arn, ":")+1:])})
	if err != nil {
		return "", fmt.Errorf("queue of %s: %w", arn, err)
	}
	q.urls.Store(arn, aws.ToString(out.QueueUrl))
	return aws.ToString(out.QueueUrl), nil
}

// VisibilityBackoff is the wait before the nth delivery of a failed
// message: base × 2^(n−1), at most ceiling, with equal jitter (see
// backoff.EqualJitter), in whole seconds of at least one, as SQS visibility
// timeouts count seconds.
func VisibilityBackoff(base, ceiling time.Duration) func(n int) time.Duration {
	jittered := backoff.EqualJitter(base, ceiling)
	return func(n int) time.Duration {
		return max(jittered(n).Round(time.Second), time.Second)
	}
}
