package main

import (
	"context"
	"errors"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

// dynamoLedger is the Ledger in DynamoDB: it records what the inventory
// did for each order in its stream of the event store, stock-<orderId>,
// and moves the stock that each event records in the same transaction.
// It lives here, not in package stock, so that the inventory's HTTP
// function, which only sets and reads stock, links no event store. It is
// safe for concurrent use.
type dynamoLedger struct {
	events *eventstore.Dynamo
	stock  *stock.Table
}

var _ Ledger = (*dynamoLedger)(nil)

// Load returns the order's stock stream.
func (l *dynamoLedger) Load(ctx context.Context, orderID string) ([]eventstore.Record, error) {
	return l.events.Load(ctx, contract.StockStream.ID(orderID), 1)
}

// Record appends env to the order's stream at version expected+1 and
// moves the stock as m says, all or nothing. It returns a
// *stock.ShortError naming the first line whose item lacks the quantity,
// or an error wrapping eventstore.ErrConcurrency if the stream is not at
// expected or another transaction wrote an item at the same moment.
func (l *dynamoLedger) Record(ctx context.Context, orderID string, expected int, env events.Envelope, m stock.Move) error {
	err := l.events.AppendWith(ctx, contract.StockStream.ID(orderID), expected, []events.Envelope{env}, l.stock.Writes(m)...)
	var conflict *eventstore.StateConflictError
	switch {
	case errors.As(err, &conflict) && conflict.Busy:
		// Read and decide again, as after a concurrent append.
		return &eventstore.ConcurrencyError{StreamID: contract.StockStream.ID(orderID), Expected: expected}
	case errors.As(err, &conflict):
		return &stock.ShortError{SKU: m.Lines[conflict.Index].SKU}
	}
	return err
}
