package consumer

import (
	"context"
	"errors"
	"strconv"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/eventbus/delivered"
	"github.com/eventshop/eventshop/events"
)

// read makes a delivery of a message that an EventBridge rule put in the
// queue: the envelope is the event's detail.
func read(msg lambdaevents.SQSMessage) delivery {
	receives, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
	env, err := delivered.Decode([]byte(msg.Body))
	return delivery{msg: msg, receives: receives, env: env, readErr: err}
}

// accept passes on deliveries of an event this build can read. An event
// type it does not know is skipped: another consumer's, or newer than
// this build. Anything else unreadable is rejected, for the dead-letter
// queue.
func accept(next stage) stage {
	return func(ctx context.Context, d delivery) outcome {
		switch {
		case d.readErr == nil:
			return next(ctx, d)
		case errors.Is(d.readErr, events.ErrUnknownType):
			return outcome{kind: skipped, err: d.readErr}
		}
		return outcome{kind: rejected, err: d.readErr}
	}
}
