package main

import "github.com/eventshop/eventshop/events"

// Consumers of events, each a function reading its own queue.
const (
	Notification = "notification"
	// Customers is the order service's projection of users.
	Customers = "customers"
)

// Subscription routes one event type to one consumer's queue: one
// EventBridge rule on the bus.
type Subscription struct {
	Consumer  string
	EventType string
}

// Topology is every subscription. Subscribing a consumer to an event type
// is one line here; the stack derives the rule, and the consumer's queue,
// dead-letter queue, event source mapping and grants, from it.
var Topology = []Subscription{
	{Notification, events.TypeUserRegistered},
	{Notification, events.TypeUserPasswordReset},
	{Notification, events.TypeOrderPlaced},
	{Notification, events.TypeOrderCancelled},
	{Customers, events.TypeUserRegistered},
}

// consumers lists the consumers of the topology, each once, in order.
func consumers() []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range Topology {
		if !seen[s.Consumer] {
			seen[s.Consumer] = true
			out = append(out, s.Consumer)
		}
	}
	return out
}
