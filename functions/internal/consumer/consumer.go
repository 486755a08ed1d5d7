package consumer

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// SQS is the part of the SQS client a consumer uses: to delay a retry and
// to dead-letter.
type SQS interface {
	Visibility
	dlq.Sender
}

var _ SQS = (*sqs.Client)(nil)

// Consumer delivers each event of an SQS queue to a Handle once, whatever
// the infrastructure does: it deduplicates on the envelope's eventId,
// backs off before a retry, and dead-letters with the reason what can
// never succeed. Nothing is acknowledged before it was handled or
// dead-lettered.
type Consumer struct {
	// Name names the consumer in idempotency keys: the same event is
	// handled once by each consumer.
	Name string
	// Idempotency records handled events; nil handles every delivery.
	Idempotency idempotency.Store
	// Lease is how long a claim on an event lasts: the function's timeout,
	// so that the claim of a crashed attempt runs out before a retry.
	Lease time.Duration
	// Keep is how long handled events are remembered.
	Keep time.Duration
	// SQS changes visibility and dead-letters.
	SQS SQS
	// DLQURL is the queue's dead-letter queue.
	DLQURL string
	// MaxReceiveCount is the queue's: the last failing delivery
	// dead-letters the message itself, with the reason.
	MaxReceiveCount int
	// Backoff says how long a message whose delivery failed for the nth
	// time stays invisible before the next.
	Backoff func(n int) time.Duration
	Log     *slog.Logger
	// Metrics counts outcomes and the lag from an event's time to its
	// handling, by consumer and event type.
	Metrics *metrics.Emitter

	// subscriptions are the event types the topology routes to the
	// consumer, which Serve needs a handler of.
	subscriptions []string
	urls          queueURLs
}

// Lambda is the Lambda handler of an SQS batch.
type Lambda = func(context.Context, lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error)

// New builds the consumer that a consumer function's environment
// describes (contract.ConsumerEnv). It makes no network call.
func New(s boot.Setup) *Consumer {
	return &Consumer{
		Name:            s.Env.Get(contract.EnvConsumerName),
		Idempotency:     idempotency.NewDynamo(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvIdempotencyTable)),
		Lease:           time.Duration(s.Env.Int(contract.EnvLeaseSeconds)) * time.Second,
		Keep:            7 * 24 * time.Hour,
		SQS:             sqs.NewFromConfig(s.AWS),
		DLQURL:          s.Env.Get(contract.EnvDLQURL),
		MaxReceiveCount: s.Env.Int(contract.EnvMaxReceiveCount),
		Backoff:         VisibilityBackoff(time.Duration(s.Env.Int(contract.EnvRetryBaseSeconds))*time.Second, 5*time.Minute),
		Log:             s.Log,
		Metrics:         metrics.New(os.Stdout, s.Function.Service()),
		subscriptions:   s.Function.Subscriptions(),
	}
}

// pipeline assembles the parts around handle, counting into t.
func (c *Consumer) pipeline(handle Handle, t *tally) stage {
	var queue SQS = c.SQS
	var sender dlq.Sender
	var visibility Visibility
	if queue != nil {
		sender, visibility = queue, queue
	}
	parts := []middleware{
		observe(c.Log, t),
		deadLetter(sender, c.DLQURL),
		retry(visibility, &c.urls, c.MaxReceiveCount, c.Backoff),
		accept,
		dedup(c.Idempotency, c.Name, c.Lease, c.Keep),
	}
	stage := invoke(handle)
	for i := len(parts) - 1; i >= 0; i-- {
		stage = parts[i](stage)
	}
	return stage
}

// Handler returns the Lambda handler of an SQS batch. Messages that are
// to be delivered again are reported as batch item failures; every other
// message was handled (perhaps with a failed follow-up), skipped, found to
// be a duplicate or dead-lettered.
func (c *Consumer) Handler(handle Handle) Lambda {
	return func(ctx context.Context, ev lambdaevents.SQSEvent) (lambdaevents.SQSEventResponse, error) {
		t := &tally{}
		deliver := c.pipeline(handle, t)
		// The messages of a batch are independent — a standard queue has
		// no order — and their handling waits on the network, so they are
		// handled at once rather than one after another.
		acked := make([]bool, len(ev.Records))
		var wg sync.WaitGroup
		for i, msg := range ev.Records {
			wg.Go(func() { acked[i] = deliver(ctx, read(msg)).kind.acknowledged() })
		}
		wg.Wait()
		var resp lambdaevents.SQSEventResponse
		for i, msg := range ev.Records {
			if !acked[i] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, lambdaevents.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			}
		}
		t.emit(c.Metrics, c.Name)
		return resp, nil
	}
}
