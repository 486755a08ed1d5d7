// Package eventstore keeps eventshop's events: append-only streams of
// envelopes with optimistic concurrency, readable from any version and by
// correlation id.
//
// The store is also the outbox. Dynamo writes each event as one item of the
// event store table, in the same transaction as the state change it records;
// the table's stream feeds the relay, which publishes the envelopes to the
// bus. So an event is published if and only if it was stored.
//
// Two implementations satisfy the same contract (see eventstoretest):
// [Dynamo] for the functions, [Memory] for tests.
package eventstore
