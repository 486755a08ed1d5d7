package consumer

import (
	"context"
	"log/slog"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
)

// Delivery is one message of a batch, with what could be read of it.
type Delivery struct {
	Message lambdaevents.SQSMessage
	// Receives is how often the queue has delivered the message, this
	// time included.
	Receives int
	// Envelope is the event the message carries, as far as it could be
	// read: its type and ids, if anything, for the log line.
	Envelope events.Envelope
	// ReadErr says why the message holds no event this build handles.
	ReadErr error
}

// Kind says how a delivery ended.
type Kind int

// Kinds of outcome. The first five acknowledge the message; Retry leaves
// it in the queue; Rejected is a verdict that the dead-letter part turns
// into DeadLettered, or Retry if it cannot.
const (
	// Processed: the effect happened.
	Processed Kind = iota + 1
	// FollowUpFailed: the effect happened, a follow-up to it did not.
	FollowUpFailed
	// Skipped: there was nothing to do.
	Skipped
	// Duplicate: an earlier delivery of the event did it.
	Duplicate
	// DeadLettered: in the dead-letter queue, with the reason.
	DeadLettered
	// Retry: the effect did not happen; the message comes back later.
	Retry
	// Rejected: the message can never succeed.
	Rejected
)

var kindNames = [...]string{Processed: "processed", FollowUpFailed: "follow-up-failed", Skipped: "skipped",
	Duplicate: "duplicate", DeadLettered: "dead-lettered", Retry: "retry", Rejected: "rejected"}

// String is the kind as log lines name it.
func (k Kind) String() string {
	if k < Processed || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Acknowledged says whether the message may leave the queue.
func (k Kind) Acknowledged() bool { return k >= Processed && k <= DeadLettered }

// done says whether the event is over for this consumer: its effect
// happened, or there was none to do.
func (k Kind) done() bool { return k == Processed || k == FollowUpFailed || k == Skipped }

// Outcome is how a delivery ended, and what its log line says of it.
type Outcome struct {
	Kind Kind
	// Err is why the delivery failed or was skipped.
	Err error
	// Result is the effect's result: what the handler returned, or what
	// the first delivery of a duplicate did.
	Result string
	// Attrs are added to the delivery's log line.
	Attrs []slog.Attr
}

// with returns o with attrs added.
func (o Outcome) with(attrs ...slog.Attr) Outcome {
	o.Attrs = append(o.Attrs, attrs...)
	return o
}

// Stage handles a delivery and says how it ended.
type Stage func(ctx context.Context, d Delivery) Outcome

// Middleware is a part of the pipeline: it takes the next stage and
// returns a stage that does its part around it.
type Middleware func(next Stage) Stage
