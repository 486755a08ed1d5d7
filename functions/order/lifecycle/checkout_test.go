package lifecycle_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/order/lifecycle"
)

var meta = events.Metadata{CorrelationID: "c", CausationID: "r"}

// placed appends a new order's order.placed and returns its id.
func placed(t *testing.T, store *eventstore.Memory) string {
	t.Helper()
	id := uuid.NewString()
	p := events.OrderPlaced{OrderID: id, Customer: events.Person{UserID: id, Contact: events.Sealed[events.Contact]{Subject: id, Ciphertext: make([]byte, 48)}},
		Items: []events.LineItem{{SKU: "BOOK-42", Quantity: 1, UnitPrice: events.Money{AmountMinor: 100, Currency: "EUR"}}},
		Total: events.Money{AmountMinor: 100, Currency: "EUR"}, PaymentMethod: "card_ok"}
	env, err := events.New(p, meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Append(context.Background(), contract.OrderStream.ID(id), 0, env); err != nil {
		t.Fatal(err)
	}
	return id
}

type outcome = func(lifecycle.Order) []events.Payload

var (
	paid       outcome = func(o lifecycle.Order) []events.Payload { return o.PaymentAuthorized("auth_1") }
	reserved   outcome = func(o lifecycle.Order) []events.Payload { return o.StockReserved() }
	declined   outcome = func(o lifecycle.Order) []events.Payload { return o.PaymentDeclined(events.DeclinedByProvider) }
	down       outcome = func(o lifecycle.Order) []events.Payload { return o.PaymentDeclined(events.ProviderUnavailable) }
	short      outcome = func(o lifecycle.Order) []events.Payload { return o.StockRejected("BOOK-42") }
	deadline   outcome = func(o lifecycle.Order) []events.Payload { return o.DeadlinePassed() }
	outcomeFor         = map[string]outcome{"paid": paid, "reserved": reserved, "declined": declined, "down": down, "short": short, "deadline": deadline}
)

func TestTheCheckoutDecidesTheOrderWhateverTheOrderOfItsOutcomes(t *testing.T) {
	for _, tc := range []struct {
		outcomes []string
		status   lifecycle.Status
		reason   string
		types    []string // after order.placed
	}{
		{[]string{"paid", "reserved"}, lifecycle.Confirmed, "", []string{events.TypeOrderPaymentAuthorized, events.TypeOrderStockReserved, events.TypeOrderConfirmed}},
		{[]string{"reserved", "paid"}, lifecycle.Confirmed, "", []string{events.TypeOrderStockReserved, events.TypeOrderPaymentAuthorized, events.TypeOrderConfirmed}},
		{[]string{"paid", "paid", "reserved", "reserved"}, lifecycle.Confirmed, "", []string{events.TypeOrderPaymentAuthorized, events.TypeOrderStockReserved, events.TypeOrderConfirmed}},
		{[]string{"declined", "reserved"}, lifecycle.Rejected, events.RejectedPaymentDeclined, []string{events.TypeOrderRejected}},
		{[]string{"reserved", "declined"}, lifecycle.Rejected, events.RejectedPaymentDeclined, []string{events.TypeOrderStockReserved, events.TypeOrderRejected}},
		{[]string{"paid", "short"}, lifecycle.Rejected, events.RejectedOutOfStock, []string{events.TypeOrderPaymentAuthorized, events.TypeOrderRejected}},
		{[]string{"short", "down"}, lifecycle.Rejected, events.RejectedOutOfStock, []string{events.TypeOrderRejected}},
		{[]string{"down", "reserved"}, lifecycle.Rejected, events.RejectedPaymentUnavailable, []string{events.TypeOrderRejected}},
		{[]string{"paid", "deadline", "reserved"}, lifecycle.Expired, "", []string{events.TypeOrderPaymentAuthorized, events.TypeOrderExpired}},
		{[]string{"paid", "reserved", "deadline"}, lifecycle.Confirmed, "", []string{events.TypeOrderPaymentAuthorized, events.TypeOrderStockReserved, events.TypeOrderConfirmed}},
	} {
		t.Run(fmt.Sprint(tc.outcomes), func(t *testing.T) {
			store := eventstore.NewMemory()
			id := placed(t, store)
			for _, name := range tc.outcomes {
				if _, err := lifecycle.Decide(context.Background(), store, id, meta, outcomeFor[name]); err != nil {
					t.Fatal(err)
				}
			}
			o, types := read(t, store, id)
			if o.Status != tc.status || o.Reason != tc.reason || !slices.Equal(types[1:], tc.types) {
				t.Errorf("%s (%q) after %v", o.Status, o.Reason, types)
			}
		})
	}
}

func TestOutcomesArrivingAtOnceConfirmTheOrderOnce(t *testing.T) {
	for range 20 {
		store := eventstore.NewMemory()
		id := placed(t, store)
		var wg sync.WaitGroup
		for _, decide := range []outcome{paid, reserved, paid, reserved} {
			wg.Go(func() {
				if _, err := lifecycle.Decide(context.Background(), store, id, meta, decide); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		o, types := read(t, store, id)
		if o.Status != lifecycle.Confirmed || len(types) != 4 || types[3] != events.TypeOrderConfirmed {
			t.Fatalf("%s after %v", o.Status, types)
		}
	}
}

func read(t *testing.T, store *eventstore.Memory, id string) (lifecycle.Order, []string) {
	t.Helper()
	records, err := store.Load(context.Background(), contract.OrderStream.ID(id), 1)
	if err != nil {
		t.Fatal(err)
	}
	o, err := lifecycle.Fold(records)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range records {
		types = append(types, r.Envelope.EventType)
	}
	return o, types
}
