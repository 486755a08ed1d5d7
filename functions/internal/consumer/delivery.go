package consumer

import (
	"context"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
)

// delivery is one message of a batch, with what could be read of it.
type delivery struct {
	msg lambdaevents.SQSMessage
	// receives is how often the queue has delivered the message, this
	// time included.
	receives int
	// env is the event the message carries, as far as it could be read:
	// its type and ids, if anything, for the log line.
	env events.Envelope
	// readErr says why the message holds no event this build handles.
	readErr error
}

// kind says how a delivery ended.
type kind int

// Kinds of outcome. The first five acknowledge the message; retrying leaves
// it in the queue; rejected is a verdict that the dead-letter part turns
// into deadLettered, or retrying if it cannot.
const (
	// processed: the effect happened.
	processed kind = iota + 1
	// followUpFailed: the effect happened, a follow-up to it did not.
	followUpFailed
	// skipped: there was nothing to do.
	skipped
	// duplicate: an earlier delivery of the event did it.
	duplicate
	// deadLettered: in the dead-letter queue, with the reason.
	deadLettered
	// retrying: the effect did not happen; the message comes back later.
	retrying
	// rejected: the message can never succeed.
	rejected
)

var kindNames = [...]string{processed: "processed", followUpFailed: "follow-up-failed", skipped: "skipped",
	duplicate: "duplicate", deadLettered: "dead-lettered", retrying: "retry", rejected: "rejected"}

// String is the kind as log lines name it.
func (k kind) String() string {
	if k < processed || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// acknowledged says whether the message may leave the queue.
func (k kind) acknowledged() bool { return k >= processed && k <= deadLettered }

// done says whether the event is over for this consumer: its effect
// happened, or there was none to do.
func (k kind) done() bool { return k == processed || k == followUpFailed || k == skipped }

// outcome is how a delivery ended, and what its log line says of it.
type outcome struct {
	kind kind
	// err is why the delivery failed or was skipped.
	err error
	// effect is the effect's result: what the handler returned, or what
	// the first delivery of a duplicate did.
	effect string
	// attrs are added to the delivery's log line.
	attrs []slog.Attr
}

// with returns o with attrs added.
func (o outcome) with(attrs ...slog.Attr) outcome {
	o.attrs = append(o.attrs, attrs...)
	return o
}

// stage handles a delivery and says how it ended.
type stage func(ctx context.Context, d delivery) outcome

// middleware is a part of the pipeline: it takes the next stage and
// returns a stage that does its part around it.
type middleware func(next stage) stage
