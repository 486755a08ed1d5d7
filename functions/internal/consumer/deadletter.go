package consumer

import (
	"context"
	"fmt"

	"github.com/eventshop/eventshop/dlq"
)

// deadLetter moves what was rejected to the dead-letter queue at url, with
// the reason, and acknowledges it only once that worked. Without a queue,
// or when the send fails, the message stays for a retry: the queue's
// redrive policy dead-letters it after its receives run out.
func deadLetter(queue dlq.Sender, url string) Middleware {
	return func(next Stage) Stage {
		return func(ctx context.Context, d Delivery) Outcome {
			o := next(ctx, d)
			if o.Kind != Rejected {
				return o
			}
			if queue == nil || url == "" {
				o.Kind = Retry
				return o
			}
			if err := dlq.Send(ctx, queue, url, d.Message, o.Err.Error()); err != nil {
				o.Kind, o.Err = Retry, fmt.Errorf("%w (and could not dead-letter it: %v)", o.Err, err)
				return o
			}
			o.Kind = DeadLettered
			return o
		}
	}
}
