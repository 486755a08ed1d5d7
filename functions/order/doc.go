// Command order is the order service's Lambda function: it places, shows
// and cancels orders over the HTTP API. Orders are event-sourced: their
// state is folded from stream order-<orderId> of the event store.
package main
