package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/tracing"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

// Ledger is where the inventory records what it did for each order, and
// moves the stock each record says; see dynamoLedger.
type Ledger interface {
	// Load returns the order's stock stream, oldest first.
	Load(ctx context.Context, orderID string) ([]eventstore.Record, error)
	// Record appends env at version expected+1 of the order's stream and
	// makes the move, all or nothing. It returns a *stock.ShortError if a
	// line's item lacks the quantity in the bucket moved from, an error
	// wrapping eventstore.ErrConcurrency if the stream is not at expected,
	// and any other error for what may succeed if tried again.
	Record(ctx context.Context, orderID string, expected int, env events.Envelope, m stock.Move) error
}

// Reservations reserves an order's items when it is placed, all or none,
// sells them when it is confirmed, and gives back what it holds when it
// is rejected, expires or is cancelled. Each change and the event that
// records it are one transaction, at the next version of the order's
// stream: the stream says what the order holds, so a duplicate or
// reordered event finds it done, or that there is nothing to do. It is
// safe for concurrent use.
type Reservations struct {
	ledger Ledger
}

// Routes are the order events the inventory acts on.
func (r *Reservations) Routes() consumer.Routes {
	return consumer.Route(
		consumer.On(r.placed),
		consumer.On(r.confirmed),
		consumer.On(func(ctx context.Context, o events.OrderRejected, env events.Envelope) (consumer.Result, error) {
			return r.release(ctx, o.OrderID, env)
		}),
		consumer.On(func(ctx context.Context, o events.OrderExpired, env events.Envelope) (consumer.Result, error) {
			return r.release(ctx, o.OrderID, env)
		}),
		consumer.On(func(ctx context.Context, o events.OrderCancelled, env events.Envelope) (consumer.Result, error) {
			return r.release(ctx, o.OrderID, env)
		}),
	)
}

// state is what the inventory holds for an order, folded from its stream.
type state int

const (
	nothingYet state = iota // no event: the order is new to the inventory
	reserved
	sold
	rejected // none was reserved, and none will be
	released // what was held went back, or the order ended before
)

// holding is an order's stream folded: its state, the lines it holds,
// and the version of the stream.
type holding struct {
	state   state
	lines   []events.StockLine
	version int
}

func fold(records []eventstore.Record) (holding, error) {
	var h holding
	for _, r := range records {
		switch r.Envelope.EventType {
		case events.TypeStockReserved:
			p, err := events.Decode[events.StockReserved](r.Envelope)
			if err != nil {
				return holding{}, fmt.Errorf("%s v%d: %w", r.StreamID, r.Version, err)
			}
			h.state, h.lines = reserved, p.Items
		case events.TypeStockSold:
			h.state = sold
		case events.TypeStockRejected:
			h.state = rejected
		case events.TypeStockReleased:
			h.state, h.lines = released, nil
		}
		h.version = r.Version
	}
	return h, nil
}

// change is what an event does to an order's holding: the event that
// records it and the move it makes; no event when there is nothing to do.
type change struct {
	record events.Payload
	move   stock.Move
	// why says why there is nothing to do.
	why string
}

// placed reserves every line of a new order, or none: if an item is
// short, it records stock.rejected naming it.
func (r *Reservations) placed(ctx context.Context, o events.OrderPlaced, env events.Envelope) (consumer.Result, error) {
	if env.Metadata.Replay {
		// History published again (evctl replay), not an order to fill.
		return consumer.Result{}, fmt.Errorf("%w: a replayed placement reserves nothing", consumer.ErrSkip)
	}
	lines := make([]events.StockLine, len(o.Items))
	for i, it := range o.Items {
		lines[i] = events.StockLine{SKU: it.SKU, Quantity: it.Quantity}
	}
	return r.act(ctx, o.OrderID, env, func(h holding) change {
		if h.state != nothingYet {
			return change{why: "the order's stock was dealt with before"}
		}
		return change{record: events.StockReserved{OrderID: o.OrderID, Items: lines},
			move: stock.Move{Lines: lines, From: stock.Available, To: stock.Reserved}}
	})
}

// confirmed sells what a confirmed order reserved.
func (r *Reservations) confirmed(ctx context.Context, o events.OrderConfirmed, env events.Envelope) (consumer.Result, error) {
	return r.act(ctx, o.OrderID, env, func(h holding) change {
		if h.state != reserved {
			return change{why: "the order holds no reservation"}
		}
		return change{record: events.StockSold{OrderID: o.OrderID, Items: h.lines},
			move: stock.Move{Lines: h.lines, From: stock.Reserved, To: stock.Sold}}
	})
}

// release gives back what an order that ended holds: its reservation, or
// what it bought. An order that ended before its items were reserved gets
// a stock.released without items, which closes its stream: an
// order.placed that comes late reserves nothing.
func (r *Reservations) release(ctx context.Context, orderID string, env events.Envelope) (consumer.Result, error) {
	return r.act(ctx, orderID, env, func(h holding) change {
		switch h.state {
		case nothingYet:
			return change{record: events.StockReleased{OrderID: orderID, Items: []events.StockLine{}}}
		case reserved:
			return change{record: events.StockReleased{OrderID: orderID, Items: h.lines},
				move: stock.Move{Lines: h.lines, From: stock.Reserved, To: stock.Available}}
		case sold:
			return change{record: events.StockReleased{OrderID: orderID, Items: h.lines},
				move: stock.Move{Lines: h.lines, From: stock.Sold, To: stock.Available}}
		}
		return change{why: "the order holds nothing"}
	})
}

// act reads the order's stream, decides, and records the change at the
// next version. If another event of the order was recorded meanwhile, it
// reads and decides again; a reservation that finds an item short is
// recorded as stock.rejected instead.
func (r *Reservations) act(ctx context.Context, orderID string, cause events.Envelope, decide func(holding) change) (consumer.Result, error) {
	meta := tracing.Metadata(ctx, events.CausedBy(cause))
	for attempt := 1; ; attempt++ {
		records, err := r.ledger.Load(ctx, orderID)
		if err != nil {
			return consumer.Result{}, err
		}
		h, err := fold(records)
		if err != nil {
			return consumer.Result{}, consumer.Permanent(err)
		}
		c := decide(h)
		if c.record == nil {
			return consumer.Result{}, fmt.Errorf("%w: %s", consumer.ErrSkip, c.why)
		}
		env, err := events.New(c.record, meta)
		if err != nil {
			return consumer.Result{}, consumer.Permanent(err)
		}
		err = r.ledger.Record(ctx, orderID, h.version, env, c.move)
		var short *stock.ShortError
		if errors.As(err, &short) && c.move.From != stock.Available {
			// Selling or giving back what the order holds found less than
			// it holds: the table no longer says what the streams did.
			return consumer.Result{}, consumer.Permanent(fmt.Errorf("stock of %s is not what the order holds: %w", short.SKU, err))
		}
		if errors.As(err, &short) {
			env, err = events.New(events.StockRejected{OrderID: orderID, SKU: short.SKU}, meta)
			if err != nil {
				return consumer.Result{}, consumer.Permanent(err)
			}
			err = r.ledger.Record(ctx, orderID, h.version, env, stock.Move{})
		}
		switch {
		case errors.Is(err, eventstore.ErrConcurrency) && attempt < 5:
			continue
		case err != nil:
			return consumer.Result{}, err
		}
		return consumer.Result{Effect: env.EventType + " " + env.EventID}, nil
	}
}
