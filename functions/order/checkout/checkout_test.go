package checkout_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/internal/metrics"
	"github.com/eventshop/eventshop/functions/order/checkout"
)

var (
	meta  = events.Metadata{CorrelationID: "c", CausationID: "r"}
	total = events.Money{AmountMinor: 100, Currency: "EUR"}
)

// counted is what the checkout counted: "OrdersRejected out_of_stock" → n.
type counted map[string]int

func (c counted) Emit(values map[string]string, ms ...metrics.Metric) {
	for _, m := range ms {
		key := string(m.Name)
		for _, k := range slices.Sorted(maps.Keys(values)) {
			key += " " + values[k]
		}
		c[key] += int(m.Value)
	}
}

// place appends a new order's order.placed and returns it with the
// order's id.
func place(t *testing.T, store *eventstore.Memory) (events.Envelope, string) {
	t.Helper()
	id := uuid.NewString()
	env := envelope(t, events.OrderPlaced{OrderID: id,
		Customer: events.Person{UserID: id, Contact: events.Sealed[events.Contact]{Subject: id, Ciphertext: make([]byte, 48)}},
		Items:    []events.LineItem{{SKU: "BOOK-42", Quantity: 1, UnitPrice: total}}, Total: total, PaymentMethod: "card_ok"})
	if err := store.Append(context.Background(), contract.OrderStream.ID(id), 0, env); err != nil {
		t.Fatal(err)
	}
	return env, id
}

func envelope(t *testing.T, p events.Payload) events.Envelope {
	t.Helper()
	env, err := events.New(p, meta)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// types lists the order's stream.
func types(t *testing.T, store *eventstore.Memory, orderID string) string {
	t.Helper()
	records, err := store.Load(context.Background(), contract.OrderStream.ID(orderID), 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range records {
		out = append(out, r.Envelope.EventType)
	}
	return strings.Join(out, " ")
}

func TestBothHalvesConfirmTheOrderAndItsDeadlineThenFindsNothingToDo(t *testing.T) {
	store := eventstore.NewMemory()
	placed, id := place(t, store)
	counts := counted{}
	outcomes, deadline := checkout.NewOutcomes(store, counts).Routes(), checkout.NewDeadline(store, counts).Routes()
	ctx := context.Background()

	if _, err := outcomes.Handle(ctx, envelope(t, events.PaymentAuthorized{OrderID: id, AuthorizationID: "auth_1", Amount: total})); err != nil {
		t.Fatal(err)
	}
	res, err := outcomes.Handle(ctx, envelope(t, events.StockReserved{OrderID: id, Items: []events.StockLine{{SKU: "BOOK-42", Quantity: 1}}}))
	if err != nil || !strings.HasPrefix(res.Effect, events.TypeOrderConfirmed+" ") {
		t.Fatalf("the second half: %+v, %v; want order.confirmed as its effect", res, err)
	}
	if _, err := deadline.Handle(ctx, placed); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("the deadline of a confirmed order: %v, want it skipped", err)
	}
	if got, want := types(t, store, id), "order.placed order.paymentAuthorized order.stockReserved order.confirmed"; got != want {
		t.Errorf("the order's stream: %s, want %s", got, want)
	}
	if want := (counted{"OrdersConfirmed EUR": 1}); !maps.Equal(counts, want) {
		t.Errorf("counted %v, want %v", counts, want)
	}
}

func TestAnOrderStillPlacedAtItsDeadlineExpiresAndLateOutcomesChangeNothing(t *testing.T) {
	store := eventstore.NewMemory()
	placed, id := place(t, store)
	ctx := context.Background()

	counts := counted{}
	res, err := checkout.NewDeadline(store, counts).Routes().Handle(ctx, placed)
	if err != nil || !strings.HasPrefix(res.Effect, events.TypeOrderExpired+" ") {
		t.Fatalf("the deadline: %+v, %v; want order.expired as its effect", res, err)
	}
	_, err = checkout.NewOutcomes(store, counts).Routes().Handle(ctx, envelope(t, events.StockRejected{OrderID: id, SKU: "BOOK-42"}))
	if !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("an outcome after the expiry: %v, want it skipped", err)
	}
	if want := (counted{"OrdersExpired EUR": 1}); !maps.Equal(counts, want) {
		t.Errorf("counted %v, want %v", counts, want)
	}
}

func TestARejectionIsCountedByItsReason(t *testing.T) {
	store := eventstore.NewMemory()
	_, id := place(t, store)
	counts := counted{}
	_, err := checkout.NewOutcomes(store, counts).Routes().Handle(context.Background(), envelope(t, events.StockRejected{OrderID: id, SKU: "BOOK-42"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (counted{"OrdersRejected " + events.RejectedOutOfStock: 1}); !maps.Equal(counts, want) {
		t.Errorf("counted %v, want %v", counts, want)
	}
}

func TestAnOutcomeOfNoKnownOrderIsAPermanentFailure(t *testing.T) {
	store := eventstore.NewMemory()
	_, err := checkout.NewOutcomes(store, counted{}).Routes().Handle(context.Background(), envelope(t, events.StockRejected{OrderID: uuid.NewString(), SKU: "BOOK-42"}))
	if !consumer.IsPermanent(err) {
		t.Errorf("err = %v, want a permanent failure: retrying cannot make the order exist", err)
	}
}
