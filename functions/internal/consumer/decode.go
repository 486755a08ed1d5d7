package consumer

import (
	"context"
	"errors"
	"strconv"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
)

// read makes a delivery of a message that an EventBridge rule put in the
// queue: the envelope is the event's detail.
func read(msg lambdaevents.SQSMessage) Delivery {
	receives, _ := strconv.Atoi(msg.Attributes["ApproximateReceiveCount"])
	env, err := eventbus.Decode([]byte(msg.Body))
	return Delivery{Message: msg, Receives: receives, Envelope: env, ReadErr: err}
}

// accept passes on deliveries of an event this build can read. An event
// type it does not know is skipped: another consumer's, or newer than
// this build. Anything else unreadable is rejected, for the dead-letter
// queue.
func accept(next Stage) Stage {
	return func(ctx context.Context, d Delivery) Outcome {
		switch {
		case d.ReadErr == nil:
			return next(ctx, d)
		case errors.Is(d.ReadErr, events.ErrUnknownType):
			return Outcome{Kind: Skipped, Err: d.ReadErr}
		}
		return Outcome{Kind: Rejected, Err: d.ReadErr}
	}
}
