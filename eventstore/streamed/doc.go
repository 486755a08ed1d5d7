// Package streamed reads what the event store table's stream delivers: the
// new image of each item the store appended, as DynamoDB Streams gives it
// to the relay. It is apart from eventstore, whose DynamoDB store links the
// DynamoDB client, so that the relay, which reads the stream and writes
// no table, links none and pays none of its start-up.
package streamed
