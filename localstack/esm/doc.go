// Package esm drives Lambda event source mappings against the emulator,
// which stores mappings but never polls them. It reads SQS queues and
// DynamoDB streams through the SDK, invokes the function through the
// emulator's Lambda Invoke API, and handles the outcome as Lambda does:
// partial batch responses, failed SQS messages left for redrive, per-shard
// ordering, bisecting, bounded retries and an on-failure destination.
package esm
