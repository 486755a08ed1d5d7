package contract

import (
	"slices"

	"github.com/eventshop/eventshop/events"
)

// Subscription routes one event type to one consumer's queue: one
// EventBridge rule on the bus.
type Subscription struct {
	Consumer  Function
	EventType string
}

// topology is every subscription. Subscribing a consumer to an event type
// is one line here; the stack derives the rule, and the consumer's queue,
// dead-letter queue, event source mapping and grants, from it.
var topology = []Subscription{
	{Notification, events.TypeUserRegistered},
	{Notification, events.TypeUserPasswordReset},
	{Notification, events.TypeOrderConfirmed},
	{Notification, events.TypeOrderRejected},
	{Notification, events.TypeOrderExpired},
	{Notification, events.TypeOrderCancelled},
	{Notification, events.TypeOrderShipped},
	{Customers, events.TypeUserRegistered},
	{Customers, events.TypeUserForgotten},
	{Outcomes, events.TypePaymentAuthorized},
	{Outcomes, events.TypePaymentDeclined},
	{Outcomes, events.TypeStockReserved},
	{Outcomes, events.TypeStockRejected},
	{Deadline, events.TypeOrderPlaced},
	{Payment, events.TypeOrderPlaced},
	{Payment, events.TypeOrderRejected},
	{Payment, events.TypeOrderExpired},
	{Payment, events.TypeOrderCancelled},
	{Reservations, events.TypeOrderPlaced},
	{Reservations, events.TypeOrderConfirmed},
	{Reservations, events.TypeOrderRejected},
	{Reservations, events.TypeOrderExpired},
	{Reservations, events.TypeOrderCancelled},
}

// Topology returns every subscription, in the order declared.
func Topology() []Subscription { return slices.Clone(topology) }

// Consumers lists the consumers of the topology, each once, in order.
func Consumers() []Function {
	var out []Function
	for _, s := range topology {
		if !slices.Contains(out, s.Consumer) {
			out = append(out, s.Consumer)
		}
	}
	return out
}

// Subscriptions lists the event types the topology routes to f.
func (f Function) Subscriptions() []string {
	var out []string
	for _, s := range topology {
		if s.Consumer == f {
			out = append(out, s.EventType)
		}
	}
	return out
}
