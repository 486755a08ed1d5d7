package main

import (
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/order/lifecycle"
)

// An order, its lines and its statuses are package lifecycle's, which the
// order service's readers of the checkout share.
type (
	Order  = lifecycle.Order
	Line   = lifecycle.Line
	Status = lifecycle.Status
)

// Statuses of an order.
const (
	Placed    = lifecycle.Placed
	Confirmed = lifecycle.Confirmed
	Rejected  = lifecycle.Rejected
	Expired   = lifecycle.Expired
	Cancelled = lifecycle.Cancelled
	Shipped   = lifecycle.Shipped
)

// fold replays an order's events; see lifecycle.Fold.
func fold(records []eventstore.Record) (Order, error) { return lifecycle.Fold(records) }
