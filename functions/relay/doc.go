// Command relay is the outbox relay's Lambda function: it reads the event
// store table's stream and publishes each new event to the bus.
package main
