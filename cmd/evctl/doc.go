// Command evctl is eventshop's operator CLI. It works against the local
// stack and AWS alike: it finds the stack's bus, tables and queues in an
// outputs file (make local writes .local/outputs.json, make deploy
// cdk-outputs.json), uses the default AWS credential chain, and honours
// AWS_ENDPOINT_URL.
//
//	evctl publish --file FILE | --type TYPE --data JSON   publish a validated envelope
//	evctl tail [--type TYPE]… [--count N] [--for 30s]    watch the bus
//	evctl trace CORRELATION-ID                           a flow's causal tree, with timings
//	evctl history STREAM                                 a stream's events
//	evctl replay [--from N] STREAM                       publish a stream's events again, marked as a replay
//	evctl dlq list [QUEUE…]                              what each dead-letter queue holds, and why
//	evctl dlq redrive QUEUE                              move a dead-letter queue's messages back
//
// The dead-letter queues are each consumer's (named after the consumer),
// the bus's ("bus": events EventBridge could not deliver to a rule's
// target, which a redrive sends back to that target) and the relay's
// ("relay": the stream batches it gave up on, which cannot be redriven).
//
// A flow's correlation id is what an API call returns in its
// X-Correlation-Id response header, and what each of its events holds as
// metadata.correlationId. A stream is named <aggregate>-<id>, such as
// order-<orderId>; given a bare id, history and replay say which streams
// of that id have events.
//
// Output is for humans; --json is for scripts, its members named in
// camelCase, as the HTTP API names them. -h or --help, alone or after a
// command, prints the usage to stdout. Errors go to stderr with exit
// status 1; a usage error exits with 2.
package main
