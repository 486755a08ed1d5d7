// Package dlq dead-letters messages that can never succeed, with the
// reason attached, and lets an operator see what a dead-letter queue holds
// and move it back once the cause is fixed.
//
// It reads three kinds of dead-letter queue: a consumer's, filled by Send
// (and by the queue's redrive policy), whose messages go back to the
// consumer's queue; one that EventBridge sends the events it could not
// deliver to, each naming its target in a TARGET_ARN attribute, where each
// goes back to its target; and a stream event source mapping's on-failure
// destination, which holds Lambda's descriptions of the batches it gave
// up on rather than events, so that there is nothing to send back.
//
// Moving back is receive, send, delete — never delete first — so a message
// is in one queue or the other, at worst briefly in both; consumers
// deduplicate on the envelope's event id. A message keeps its body, its
// attributes and its X-Ray trace header; the annotations of its
// dead-lettering stay behind. It needs no SQS feature beyond the basic API,
// so it works the same against AWS and the local emulator (which has no
// StartMessageMoveTask).
package dlq
