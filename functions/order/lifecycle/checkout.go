package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

// The decisions of the checkout. Each takes the order as it is and
// returns the events that the outcome adds to its stream, none if it
// changes nothing: an outcome that comes after the order was decided
// (a duplicate, or the other half failing late) is ignored, and what was
// taken for it is given back by the payment and inventory services, which
// read order.rejected, order.expired and order.cancelled.

// PaymentAuthorized records the payment; with the stock reserved too,
// it confirms the order.
func (o Order) PaymentAuthorized(authorizationID string) []events.Payload {
	if o.Status != Placed || o.Paid {
		return nil
	}
	out := []events.Payload{events.OrderPaymentAuthorized{OrderID: o.OrderID, AuthorizationID: authorizationID}}
	if o.Reserved {
		out = append(out, o.confirmed())
	}
	return out
}

// StockReserved records the reservation; with the payment authorized
// too, it confirms the order.
func (o Order) StockReserved() []events.Payload {
	if o.Status != Placed || o.Reserved {
		return nil
	}
	out := []events.Payload{events.OrderStockReserved{OrderID: o.OrderID}}
	if o.Paid {
		out = append(out, o.confirmed())
	}
	return out
}

// PaymentDeclined rejects the order: declined, or the provider could not
// be reached (events.ProviderUnavailable).
func (o Order) PaymentDeclined(reason string) []events.Payload {
	why := events.RejectedPaymentDeclined
	if reason == events.ProviderUnavailable {
		why = events.RejectedPaymentUnavailable
	}
	return o.reject(why, "")
}

// StockRejected rejects the order as out of stock, naming the item.
func (o Order) StockRejected(sku string) []events.Payload {
	return o.reject(events.RejectedOutOfStock, sku)
}

// DeadlinePassed expires an order still placed.
func (o Order) DeadlinePassed() []events.Payload {
	if o.Status != Placed {
		return nil
	}
	return []events.Payload{events.OrderExpired{OrderID: o.OrderID, Customer: o.Customer, Total: o.total()}}
}

func (o Order) confirmed() events.Payload {
	items := make([]events.LineItem, len(o.Items))
	for i, l := range o.Items {
		items[i] = events.LineItem{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: events.Money{AmountMinor: l.UnitPriceCents, Currency: o.Currency}}
	}
	return events.OrderConfirmed{OrderID: o.OrderID, Customer: o.Customer, Items: items, Total: o.total()}
}

func (o Order) reject(reason, sku string) []events.Payload {
	if o.Status != Placed {
		return nil
	}
	return []events.Payload{events.OrderRejected{OrderID: o.OrderID, Customer: o.Customer, Reason: reason, SKU: sku, Total: o.total()}}
}

// Store is the event store of orders; see eventstore.Dynamo.
type Store interface {
	// Append stores envs at versions expected+1… of the stream, all or
	// nothing, or returns an error wrapping eventstore.ErrConcurrency.
	Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error
	// Load returns the stream's records from version from on, in order.
	Load(ctx context.Context, streamID string, from int) ([]eventstore.Record, error)
}

var _ Store = (*eventstore.Dynamo)(nil)

// ErrNoOrder means the stream of the order is empty.
var ErrNoOrder = errors.New("no such order")

// Decide reads an order, lets decide say what to append, and appends it
// with meta at the version it read. If another change was appended
// meanwhile — the other half of the checkout, arriving at the same
// moment — it reads and decides again, so that whichever comes second
// sees the first. It returns what it appended.
func Decide(ctx context.Context, store Store, orderID string, meta events.Metadata, decide func(Order) []events.Payload) ([]events.Envelope, error) {
	stream := contract.OrderStream.ID(orderID)
	for attempt := 1; ; attempt++ {
		records, err := store.Load(ctx, stream, 1)
		if err != nil {
			return nil, err
		}
		if len(records) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrNoOrder, orderID)
		}
		o, err := Fold(records)
		if err != nil {
			return nil, err
		}
		var envs []events.Envelope
		for _, p := range decide(o) {
			env, err := events.New(p, meta)
			if err != nil {
				return nil, err
			}
			envs = append(envs, env)
		}
		if len(envs) == 0 {
			return nil, nil
		}
		err = store.Append(ctx, stream, o.Version, envs...)
		if errors.Is(err, eventstore.ErrConcurrency) && attempt < 5 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return envs, nil
	}
}
