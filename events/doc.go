// Package events is eventshop's shared language: the envelope every event
// travels in, the catalogue of event types with their payloads, and the JSON
// Schemas that both publishers and consumers validate against.
//
// It is the ground floor of the module and imports nothing of eventshop's own.
// Producers build envelopes with [New]; consumers read them with [Parse] or,
// from an SQS message that EventBridge delivered, with [FromSQS]. Both
// directions validate against the same schemas in schemas/, so a malformed
// event is refused where it is made and again where it arrives.
//
// Adding an event type is three steps: a payload struct with an EventType
// method below, its entry in the catalogue, and its schema file named
// <type>.v<version>.json.
package events
