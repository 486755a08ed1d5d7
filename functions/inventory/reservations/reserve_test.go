package main

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

// fakeLedger keeps streams in memory and stock in a map, and records an
// event and its move atomically, as a DynamoDB transaction does.
type fakeLedger struct {
	mu     sync.Mutex
	events *eventstore.Memory
	stock  map[string]map[stock.Bucket]int64
}

func newFakeLedger(levels map[string]int64) *fakeLedger {
	f := &fakeLedger{events: eventstore.NewMemory(), stock: map[string]map[stock.Bucket]int64{}}
	for sku, n := range levels {
		f.stock[sku] = map[stock.Bucket]int64{stock.Available: n}
	}
	return f
}

func (f *fakeLedger) Load(ctx context.Context, orderID string) ([]eventstore.Record, error) {
	return f.events.Load(ctx, contract.StockStream.ID(orderID), 1)
}

func (f *fakeLedger) Record(ctx context.Context, orderID string, expected int, env events.Envelope, m stock.Move) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range m.Lines {
		if lv, ok := f.stock[l.SKU]; !ok || lv[m.From] < int64(l.Quantity) {
			if v, _ := f.events.Version(ctx, contract.StockStream.ID(orderID)); v != expected {
				return &eventstore.ConcurrencyError{Expected: expected}
			}
			return &stock.ShortError{SKU: l.SKU}
		}
	}
	if err := f.events.Append(ctx, contract.StockStream.ID(orderID), expected, env); err != nil {
		return err
	}
	for _, l := range m.Lines {
		f.stock[l.SKU][m.From] -= int64(l.Quantity)
		f.stock[l.SKU][m.To] += int64(l.Quantity)
	}
	return nil
}

func (f *fakeLedger) level(sku string) map[stock.Bucket]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return map[stock.Bucket]int64{stock.Available: f.stock[sku][stock.Available], stock.Reserved: f.stock[sku][stock.Reserved], stock.Sold: f.stock[sku][stock.Sold]}
}

func (f *fakeLedger) types(t *testing.T, orderID string) []string {
	t.Helper()
	records, err := f.Load(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range records {
		out = append(out, r.Envelope.EventType)
	}
	return out
}

func envelope(t *testing.T, p events.Payload) events.Envelope {
	t.Helper()
	env, err := events.New(p, events.Metadata{CorrelationID: "c", CausationID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func placed(t *testing.T, lines ...events.StockLine) (string, events.Envelope) {
	t.Helper()
	id := uuid.NewString()
	p := events.OrderPlaced{OrderID: id, Customer: events.Person{UserID: id, Contact: events.Sealed[events.Contact]{Subject: id, Ciphertext: make([]byte, 48)}},
		Total: events.Money{AmountMinor: 100, Currency: "EUR"}, PaymentMethod: "card_ok"}
	for _, l := range lines {
		p.Items = append(p.Items, events.LineItem{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: events.Money{AmountMinor: 100, Currency: "EUR"}})
	}
	return id, envelope(t, p)
}

func ended(t *testing.T, kind, orderID string) events.Envelope {
	t.Helper()
	person := events.Person{UserID: orderID, Contact: events.Sealed[events.Contact]{Subject: orderID, Ciphertext: make([]byte, 48)}}
	total := events.Money{AmountMinor: 100, Currency: "EUR"}
	switch kind {
	case events.TypeOrderConfirmed:
		return envelope(t, events.OrderConfirmed{OrderID: orderID, Customer: person, Total: total,
			Items: []events.LineItem{{SKU: "BOOK-42", Quantity: 2, UnitPrice: events.Money{AmountMinor: 50, Currency: "EUR"}}}})
	case events.TypeOrderRejected:
		return envelope(t, events.OrderRejected{OrderID: orderID, Customer: person, Reason: events.RejectedPaymentDeclined, Total: total})
	case events.TypeOrderExpired:
		return envelope(t, events.OrderExpired{OrderID: orderID, Customer: person, Total: total})
	case events.TypeOrderCancelled:
		return envelope(t, events.OrderCancelled{OrderID: orderID, Customer: person, Total: total})
	}
	t.Fatalf("no %s", kind)
	return events.Envelope{}
}

func want(t *testing.T, got map[stock.Bucket]int64, available, reserved, sold int64) {
	t.Helper()
	if got[stock.Available] != available || got[stock.Reserved] != reserved || got[stock.Sold] != sold {
		t.Errorf("stock = %v, want available %d, reserved %d, sold %d", got, available, reserved, sold)
	}
}

func TestAPlacedOrderReservesEveryLineOnceHoweverOftenItComes(t *testing.T) {
	ledger := newFakeLedger(map[string]int64{"BOOK-42": 5, "PEN-1": 1})
	r := &Reservations{ledger: ledger}
	id, env := placed(t, events.StockLine{SKU: "BOOK-42", Quantity: 2}, events.StockLine{SKU: "PEN-1", Quantity: 1})
	if _, err := r.Routes().Handle(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	// A duplicate that passed the consumer's dedup (a replay, say)
	// changes nothing.
	if _, err := r.Routes().Handle(context.Background(), env); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("the second delivery: %v, want a skip", err)
	}
	want(t, ledger.level("BOOK-42"), 3, 2, 0)
	want(t, ledger.level("PEN-1"), 0, 1, 0)
	if got := ledger.types(t, id); len(got) != 1 || got[0] != events.TypeStockReserved {
		t.Errorf("stream = %v", got)
	}
}

func TestAnOrderWithOneShortItemReservesNoneAndNamesIt(t *testing.T) {
	ledger := newFakeLedger(map[string]int64{"BOOK-42": 5, "PEN-1": 0})
	r := &Reservations{ledger: ledger}
	id, env := placed(t, events.StockLine{SKU: "BOOK-42", Quantity: 2}, events.StockLine{SKU: "PEN-1", Quantity: 1})
	if _, err := r.Routes().Handle(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	want(t, ledger.level("BOOK-42"), 5, 0, 0)
	records, _ := ledger.Load(context.Background(), id)
	if len(records) != 1 || records[0].Envelope.EventType != events.TypeStockRejected {
		t.Fatalf("stream = %v", ledger.types(t, id))
	}
	if p, _ := events.Decode[events.StockRejected](records[0].Envelope); p.SKU != "PEN-1" {
		t.Errorf("rejected names %q, want PEN-1", p.SKU)
	}
}

func TestAnItemNeverStockedIsOutOfStock(t *testing.T) {
	ledger := newFakeLedger(nil)
	r := &Reservations{ledger: ledger}
	id, env := placed(t, events.StockLine{SKU: "NEW-1", Quantity: 1})
	if _, err := r.Routes().Handle(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if got := ledger.types(t, id); len(got) != 1 || got[0] != events.TypeStockRejected {
		t.Errorf("stream = %v", got)
	}
}

func TestWhatAnOrderHoldsGoesBackWhenItEnds(t *testing.T) {
	for _, tc := range []struct {
		name           string
		then           []string
		wantA, wantR   int64
		wantS          int64
		wantLastStream string
	}{
		{"a rejected order gives back its reservation", []string{events.TypeOrderRejected}, 5, 0, 0, events.TypeStockReleased},
		{"an expired order gives back its reservation", []string{events.TypeOrderExpired}, 5, 0, 0, events.TypeStockReleased},
		{"a confirmed order sells what it reserved", []string{events.TypeOrderConfirmed}, 3, 0, 2, events.TypeStockSold},
		{"a confirmed order cancelled gives back what it bought", []string{events.TypeOrderConfirmed, events.TypeOrderCancelled}, 5, 0, 0, events.TypeStockReleased},
		{"a cancel that overtakes the confirmation gives back the reservation, and the confirmation sells nothing",
			[]string{events.TypeOrderCancelled, events.TypeOrderConfirmed}, 5, 0, 0, events.TypeStockReleased},
		{"a second end gives back nothing more", []string{events.TypeOrderRejected, events.TypeOrderExpired}, 5, 0, 0, events.TypeStockReleased},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ledger := newFakeLedger(map[string]int64{"BOOK-42": 5})
			r := &Reservations{ledger: ledger}
			id, env := placed(t, events.StockLine{SKU: "BOOK-42", Quantity: 2})
			if _, err := r.Routes().Handle(context.Background(), env); err != nil {
				t.Fatal(err)
			}
			for _, kind := range tc.then {
				if _, err := r.Routes().Handle(context.Background(), ended(t, kind, id)); err != nil && !errors.Is(err, consumer.ErrSkip) {
					t.Fatal(err)
				}
			}
			want(t, ledger.level("BOOK-42"), tc.wantA, tc.wantR, tc.wantS)
			if got := ledger.types(t, id); got[len(got)-1] != tc.wantLastStream {
				t.Errorf("stream = %v", got)
			}
		})
	}
}

// A sale that finds less reserved than the order holds means the table no
// longer says what the streams did: that needs a person, and the order's
// stream must not claim that its stock was rejected.
func TestASaleTheTableCannotMakeFailsForGoodAndRecordsNothing(t *testing.T) {
	ledger := newFakeLedger(map[string]int64{"BOOK-42": 5})
	r := &Reservations{ledger: ledger}
	id, env := placed(t, events.StockLine{SKU: "BOOK-42", Quantity: 2})
	if _, err := r.Routes().Handle(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	ledger.mu.Lock()
	ledger.stock["BOOK-42"][stock.Reserved] = 0 // changed behind the streams' back
	ledger.mu.Unlock()
	_, err := r.Routes().Handle(context.Background(), ended(t, events.TypeOrderConfirmed, id))
	if !consumer.IsPermanent(err) {
		t.Errorf("the sale: %v, want a permanent failure", err)
	}
	if got := ledger.types(t, id); !slices.Equal(got, []string{events.TypeStockReserved}) {
		t.Errorf("stream = %v, want it left at stock.reserved", got)
	}
}

func TestAnOrderThatEndedBeforeItsPlacementCameReservesNothing(t *testing.T) {
	ledger := newFakeLedger(map[string]int64{"BOOK-42": 5})
	r := &Reservations{ledger: ledger}
	id, env := placed(t, events.StockLine{SKU: "BOOK-42", Quantity: 2})
	if _, err := r.Routes().Handle(context.Background(), ended(t, events.TypeOrderRejected, id)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Routes().Handle(context.Background(), env); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("the late placement: %v, want a skip", err)
	}
	want(t, ledger.level("BOOK-42"), 5, 0, 0)
}

func TestOfTwentyConcurrentOrdersOfOneUnitWithFiveInStockExactlyFiveReserve(t *testing.T) {
	ledger := newFakeLedger(map[string]int64{"BOOK-42": 5})
	r := &Reservations{ledger: ledger}
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		id, env := placed(t, events.StockLine{SKU: "BOOK-42", Quantity: 1})
		ids[i] = id
		wg.Go(func() {
			if _, err := r.Routes().Handle(context.Background(), env); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, id := range ids {
		count[ledger.types(t, id)[0]]++
	}
	if count[events.TypeStockReserved] != 5 || count[events.TypeStockRejected] != 15 {
		t.Errorf("outcomes = %v", count)
	}
	want(t, ledger.level("BOOK-42"), 0, 5, 0)
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Reservations, setup)
}

func TestAReplayedPlacementReservesNothing(t *testing.T) {
	ledger := newFakeLedger(map[string]int64{"BOOK-42": 5})
	r := &Reservations{ledger: ledger}
	id, env := placed(t, events.StockLine{SKU: "BOOK-42", Quantity: 2})
	env.Metadata.Replay = true
	if _, err := r.Routes().Handle(context.Background(), env); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("err = %v, want a skip", err)
	}
	if got := ledger.types(t, id); len(got) != 0 {
		t.Errorf("stream = %v", got)
	}
	want(t, ledger.level("BOOK-42"), 5, 0, 0)
}
