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
func deadLetter(queue dlq.Sender, url string) middleware {
	return func(next stage) stage {
		return func(ctx context.Context, d delivery) outcome {
			o := next(ctx, d)
			if o.kind != rejected {
				return o
			}
			if queue == nil || url == "" {
				o.kind = retrying
				return o
			}
			if err := dlq.Send(ctx, queue, url, d.msg, o.err.Error()); err != nil {
				o.kind, o.err = retrying, fmt.Errorf("%w (and could not dead-letter it: %v)", o.err, err)
				return o
			}
			o.kind = deadLettered
			return o
		}
	}
}
