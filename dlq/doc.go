// Package dlq dead-letters messages that can never succeed, with the
// reason attached, and lets an operator see what a dead-letter queue holds
// and move it back to its source queue once the cause is fixed.
//
// Moving back is receive, send, delete — never delete first — so a message
// is in one queue or the other, at worst briefly in both; consumers
// deduplicate on the envelope's event id. It needs no SQS feature beyond
// the basic API, so it works the same against AWS and the local emulator
// (which has no StartMessageMoveTask).
package dlq
