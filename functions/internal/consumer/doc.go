// Package consumer runs an event's handler for each message of an SQS
// queue fed by EventBridge, so that the event's effect happens once
// however often the message is delivered.
//
// A delivery goes through a pipeline of parts, one file each, each taking
// the next part and returning the delivery's [outcome]:
//
//	observe     the log line and the metrics of every delivery (observe.go)
//	deadLetter  what can never succeed, to the dead-letter queue with the reason (deadletter.go)
//	retry       what may succeed later, back to the queue after a backoff (retry.go)
//	accept      an envelope this build can read, or a skip or a rejection (decode.go)
//	dedup       the event's effect once per consumer, by eventId (dedup.go)
//	invoke      the handler, its error classified (invoke.go)
//
// A handler returns the result of its effect — the id a mail service gave
// a mail, say — which is remembered, so that a duplicate delivery can log
// what the first one did. When the effect is done but a follow-up failed
// (the mail went out, its record did not), the handler returns the
// result with AfterEffect(err): the consumer then never does the effect
// again, and reports the failure loudly instead.
package consumer
