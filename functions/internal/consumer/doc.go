// Package consumer runs an event's handler for each message of an SQS
// queue fed by EventBridge, so that the event's effect happens once
// however often the message is delivered. It decodes the envelope,
// deduplicates on its eventId through an idempotency store, backs off
// before a retry, dead-letters with the reason what can never succeed,
// and writes one log line and one set of metrics per outcome.
//
// A handler returns the result of its effect — the id a mail service gave
// a mail, say — which is remembered, so that a duplicate delivery can log
// what the first one did. When the effect is done but a follow-up failed
// (the mail went out, its record did not), the handler returns the
// result with AfterEffect(err): the consumer then never does the effect
// again, and reports the failure loudly instead.
package consumer
