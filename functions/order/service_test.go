package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/eventstest"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
	"github.com/eventshop/eventshop/functions/order/customer"
	"github.com/eventshop/eventshop/functions/order/lifecycle"
	"github.com/eventshop/eventshop/keyring"
)

type fakeCustomers map[string]events.Person

func (f fakeCustomers) Get(_ context.Context, id string) (events.Person, error) {
	c, ok := f[id]
	if !ok {
		return events.Person{}, customer.ErrNotFound
	}
	return c, nil
}

var (
	// keys holds the data key of ada, a customer.
	keys = keyring.NewMemory()
	ada  = sealedCustomer(keys, events.Contact{Email: "ada@example.com", Name: "Ada"})
	meta = events.Metadata{CorrelationID: "flow-1", CausationID: "request-1"}
)

// sealedCustomer is a customer whose contact is sealed under a key that
// keys keeps, as the user service seals it.
func sealedCustomer(keys *keyring.Memory, c events.Contact) events.Person {
	k, err := keys.New(context.Background(), uuid.NewString())
	if err != nil {
		panic(err)
	}
	keys.Keep(k)
	sealed, err := keyring.Seal(k, c)
	if err != nil {
		panic(err)
	}
	return events.Person{UserID: k.Subject(), Contact: sealed}
}

func newService() (*Service, *eventstore.Memory) {
	store := eventstore.NewMemory()
	return &Service{events: store, customers: fakeCustomers{ada.UserID: ada}, keys: keys}, store
}

// confirm takes an order through the checkout: its payment authorized
// and its items reserved, as the outcomes function records them.
func confirm(t *testing.T, store lifecycle.Store, orderID string) {
	t.Helper()
	for _, decide := range []func(lifecycle.Order) []events.Payload{
		func(o lifecycle.Order) []events.Payload { return o.PaymentAuthorized("auth_1") },
		func(o lifecycle.Order) []events.Payload { return o.StockReserved() },
	} {
		if _, err := lifecycle.Decide(context.Background(), store, orderID, meta, decide); err != nil {
			t.Fatal(err)
		}
	}
}

func placement() Placement {
	return Placement{UserID: ada.UserID, Currency: "EUR", Items: []Line{
		{SKU: "BOOK-42", Quantity: 2, UnitPriceCents: 1999},
		{SKU: "PEN-1", Quantity: 1, UnitPriceCents: 250},
	}}
}

func TestPlaceAppendsOrderPlacedAtVersionOne(t *testing.T) {
	svc, store := newService()
	o, placed, err := svc.Place(context.Background(), placement(), meta)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != Placed || o.TotalCents != 4248 || o.UserID != ada.UserID || o.Version != 1 || len(o.Items) != 2 {
		t.Errorf("order = %+v", o)
	}
	records, _ := store.Load(context.Background(), contract.OrderStream.ID(o.OrderID), 1)
	if len(records) != 1 || records[0].Envelope.EventType != events.TypeOrderPlaced || !reflect.DeepEqual(records[0].Envelope.Metadata, meta) {
		t.Fatalf("stream = %+v", records)
	}
	if placed.EventID != records[0].Envelope.EventID {
		t.Errorf("Place returned event %s, appended %s", placed.EventID, records[0].Envelope.EventID)
	}
	p, err := events.Decode[events.OrderPlaced](records[0].Envelope)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Customer, ada) || p.Total != (events.Money{AmountMinor: 4248, Currency: "EUR"}) || p.Items[0].UnitPrice.Currency != "EUR" {
		t.Errorf("payload = %+v", p)
	}
}

func TestPlaceRefusesInvalidOrders(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(p *Placement)
		kind  failure.Kind
		field string
	}{
		{"a user id that is not a UUID", func(p *Placement) { p.UserID = "ada" }, failure.Invalid, "userId"},
		{"an unknown user", func(p *Placement) { p.UserID = uuid.NewString() }, failure.Unprocessable, "userId"},
		{"no items", func(p *Placement) { p.Items = nil }, failure.Invalid, "items"},
		{"99 items, one more than an append of their reservation takes", func(p *Placement) {
			p.Items = nil
			for i := range 99 {
				p.Items = append(p.Items, Line{SKU: fmt.Sprint("S", i), Quantity: 1, UnitPriceCents: 1})
			}
		}, failure.Invalid, "items"},
		{"a zero quantity", func(p *Placement) { p.Items[1].Quantity = 0 }, failure.Invalid, "items[1].quantity"},
		{"a card number as the payment method", func(p *Placement) { p.PaymentMethod = "4242424242424242" }, failure.Invalid, "paymentMethod"},
		{"a card number inside the payment method", func(p *Placement) { p.PaymentMethod = "card_4111-1111-1111-1111" }, failure.Invalid, "paymentMethod"},
		{"a negative price", func(p *Placement) { p.Items[0].UnitPriceCents = -5 }, failure.Invalid, "items[0].unitPriceCents"},
		{"a zero price", func(p *Placement) { p.Items[0].UnitPriceCents = 0 }, failure.Invalid, "items[0].unitPriceCents"},
		{"a price over a million", func(p *Placement) { p.Items[0].UnitPriceCents = 100_000_001 }, failure.Invalid, "items[0].unitPriceCents"},
		{"an empty sku", func(p *Placement) { p.Items[0].SKU = "" }, failure.Invalid, "items[0].sku"},
		{"a sku with spaces", func(p *Placement) { p.Items[0].SKU = "a book" }, failure.Invalid, "items[0].sku"},
		{"a repeated sku", func(p *Placement) { p.Items[1].SKU = p.Items[0].SKU }, failure.Invalid, "items[1].sku"},
		{"a lower-case currency", func(p *Placement) { p.Currency = "eur" }, failure.Invalid, "currency"},
		{"a currency that does not exist", func(p *Placement) { p.Currency = "ABC" }, failure.Invalid, "currency"},
		{"no currency", func(p *Placement) { p.Currency = "" }, failure.Invalid, "currency"},
	}
	status := map[failure.Kind]int{failure.Invalid: 400, failure.Unprocessable: 422}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Through the handler: the request schema checks what it can,
			// the service the rest.
			svc, store := newService()
			p := placement()
			tt.edit(&p)
			body, _ := json.Marshal(p)
			h := httpapi.Handler(slog.New(slog.DiscardHandler), routes(svc))
			req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: string(contract.PlaceOrder), Headers: map[string]string{"content-type": "application/json"}, Body: string(body)}
			req.RequestContext.RequestID = "req-1"
			resp, err := h(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Field string }
			_ = json.Unmarshal([]byte(resp.Body), &e)
			if resp.StatusCode != status[tt.kind] || e.Field != tt.field {
				t.Errorf("got %d %s, want %d on %s", resp.StatusCode, resp.Body, status[tt.kind], tt.field)
			}
			if n, _ := store.Version(context.Background(), "order-x"); n != 0 {
				t.Error("an invalid order was stored")
			}
		})
	}
}

func TestCancelAppendsOrderCancelledOnce(t *testing.T) {
	svc, store := newService()
	o, _, err := svc.Place(context.Background(), placement(), meta)
	confirm(t, store, o.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	c, cancelled, err := svc.Cancel(context.Background(), o.OrderID, Cancellation{Reason: " changed my mind "}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != Cancelled || c.Version != 5 || c.CancelReason != "changed my mind" || c.CancelledAt == nil {
		t.Errorf("cancelled order = %+v", c)
	}
	if records, _ := store.Load(context.Background(), contract.OrderStream.ID(o.OrderID), 5); len(records) != 1 || records[0].Envelope.EventID != cancelled.EventID ||
		cancelled.EventType != events.TypeOrderCancelled {
		t.Errorf("Cancel returned %s %s, appended %+v", cancelled.EventType, cancelled.EventID, records)
	}
	if got, _ := svc.Get(context.Background(), o.OrderID); got.Status != Cancelled || got.Version != 5 {
		t.Errorf("read back %+v", got)
	}
	if _, _, err := svc.Cancel(context.Background(), o.OrderID, Cancellation{}, meta); !errors.Is(err, ErrAlreadyCancelled) {
		t.Errorf("second cancel: %v", err)
	}
}

func TestOfConcurrentCancelsExactlyOneWins(t *testing.T) {
	svc, store := newService()
	o, _, err := svc.Place(context.Background(), placement(), meta)
	confirm(t, store, o.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, _, errs[i] = svc.Cancel(context.Background(), o.OrderID, Cancellation{}, meta) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case failure.Of(err).Kind != failure.Conflict:
			t.Errorf("a losing cancel returned %v, want a conflict", err)
		}
	}
	records, _ := store.Load(context.Background(), contract.OrderStream.ID(o.OrderID), 1)
	if wins != 1 || len(records) != 5 {
		t.Errorf("%d cancels won, %d events stored; want 1 and 5 (placed, the checkout's 3, one cancel)", wins, len(records))
	}
}

func TestOrdersThatDoNotExistAreNotFound(t *testing.T) {
	svc, _ := newService()
	if _, err := svc.Get(context.Background(), uuid.NewString()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get: %v", err)
	}
	if _, _, err := svc.Cancel(context.Background(), uuid.NewString(), Cancellation{}, meta); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cancel: %v", err)
	}
	if _, err := svc.History(context.Background(), "42"); failure.Of(err).Kind != failure.Invalid {
		t.Errorf("History of a malformed id: %v", err)
	}
}

func TestACancelReasonIsBoundedAndPlain(t *testing.T) {
	svc, store := newService()
	o, _, _ := svc.Place(context.Background(), placement(), meta)
	confirm(t, store, o.OrderID)
	h := httpapi.Handler(slog.New(slog.DiscardHandler), routes(svc))
	for _, reason := range []string{strings.Repeat("r", 201), `changed\nmy mind`, `\u202eevil`} {
		req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: string(contract.CancelOrder), Headers: map[string]string{"content-type": "application/json"},
			Body: `{"reason":"` + reason + `"}`, PathParameters: map[string]string{contract.ParamOrderID: o.OrderID}}
		req.RequestContext.RequestID = "req-1"
		resp, _ := h(context.Background(), req)
		if resp.StatusCode != 400 || !strings.Contains(resp.Body, `"field":"reason"`) {
			t.Errorf("reason %.20q: %d %s", reason, resp.StatusCode, resp.Body)
		}
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Order, setup)
}

func TestAStreamOfBothVersionsFolds(t *testing.T) {
	v1 := eventstest.Sample(t, events.TypeOrderPlaced, 1)
	cancelled := eventstest.Latest(t, events.TypeOrderCancelled)
	unknown := cancelled
	unknown.EventType = "order.giftWrapped" // a newer build's
	o, err := fold([]eventstore.Record{{Version: 1, Envelope: v1}, {Version: 2, Envelope: unknown}, {Version: 3, Envelope: cancelled}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Line{{SKU: "BOOK-42", Quantity: 2, UnitPriceCents: 1999}, {SKU: "PEN-1", Quantity: 1, UnitPriceCents: 250}}
	if o.Status != Cancelled || o.TotalCents != 4248 || o.Currency != "EUR" || !reflect.DeepEqual(o.Items, want) || o.Version != 3 {
		t.Errorf("order = %+v", o)
	}
	if v2, _ := fold([]eventstore.Record{{Version: 1, Envelope: eventstest.Sample(t, events.TypeOrderPlaced, 2)}}); !reflect.DeepEqual(v2.Items, want) || v2.TotalCents != 4248 {
		t.Errorf("the same order in v2 folds to %+v", v2)
	}
}

func TestTheFunctionServesTheRoutesTheStackGivesIt(t *testing.T) {
	served := slices.Sorted(maps.Keys(routes(&Service{})))
	if want := slices.Sorted(slices.Values(contract.Order.Routes())); !slices.Equal(served, want) {
		t.Errorf("serves %v, the stack routes %v to it", served, want)
	}
}

func TestAnOrderShipsOnceAndNotAfterACancel(t *testing.T) {
	svc, store := newService()
	o, _, _ := svc.Place(context.Background(), placement(), meta)
	confirm(t, store, o.OrderID)
	s, shipped, err := svc.Ship(context.Background(), o.OrderID, Shipment{Carrier: "DHL", TrackingNumber: "X1"}, meta)
	if err != nil || s.Status != Shipped || s.Carrier != "DHL" || s.TrackingNumber != "X1" || s.Version != 5 || s.ShippedAt == nil {
		t.Fatalf("ship: %+v, %v", s, err)
	}
	if p, err := events.Decode[events.OrderShipped](shipped); err != nil || !reflect.DeepEqual(p.Customer, ada) || p.OrderID != o.OrderID {
		t.Errorf("order.shipped = %+v, %v", p, err)
	}
	if _, _, err := svc.Ship(context.Background(), o.OrderID, Shipment{Carrier: "DHL", TrackingNumber: "X2"}, meta); !errors.Is(err, ErrAlreadyShipped) {
		t.Errorf("shipping twice: %v", err)
	}
	if _, _, err := svc.Cancel(context.Background(), o.OrderID, Cancellation{}, meta); !errors.Is(err, ErrShipped) {
		t.Errorf("cancelling a shipped order: %v", err)
	}
	if v, _ := store.Version(context.Background(), streamID(o.OrderID)); v != 5 {
		t.Errorf("the stream is at v%d, want 5", v)
	}
	c, _, _ := svc.Place(context.Background(), placement(), meta)
	confirm(t, store, c.OrderID)
	if _, _, err := svc.Cancel(context.Background(), c.OrderID, Cancellation{}, meta); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Ship(context.Background(), c.OrderID, Shipment{Carrier: "DHL", TrackingNumber: "X3"}, meta); !errors.Is(err, ErrCancelled) {
		t.Errorf("shipping a cancelled order: %v", err)
	}
}

func TestTheHistoryShowsTheCustomerAndRedactsThemOnceForgotten(t *testing.T) {
	mine := keyring.NewMemory()
	bob := sealedCustomer(mine, events.Contact{Email: "bob@example.com", Name: "Bob"})
	store := eventstore.NewMemory()
	svc := &Service{events: store, customers: fakeCustomers{bob.UserID: bob}, keys: mine}
	p := placement()
	p.UserID = bob.UserID
	o, _, err := svc.Place(context.Background(), p, meta)
	confirm(t, store, o.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Cancel(context.Background(), o.OrderID, Cancellation{}, meta); err != nil {
		t.Fatal(err)
	}
	stored, _ := store.Load(context.Background(), contract.OrderStream.ID(o.OrderID), 1)
	for _, r := range stored {
		if strings.Contains(string(r.Envelope.Data), "bob") {
			t.Errorf("%s holds the contact in clear: %s", r.Envelope.EventType, r.Envelope.Data)
		}
	}
	history := func() string {
		records, err := svc.History(context.Background(), o.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range records {
			b.Write(r.Envelope.Data)
		}
		return b.String()
	}
	if h := history(); strings.Count(h, `"contact":{"email":"bob@example.com","name":"Bob"}`) != 3 {
		t.Errorf("history = %s, want the contact opened in the three events that carry it", h)
	}
	before := mine.Reads()
	history()
	if n := mine.Reads() - before; n != 1 {
		t.Errorf("a history of two events read the key %d times", n)
	}
	mine.Delete(bob.UserID)
	if h := history(); strings.Contains(h, "bob") || strings.Count(h, `"contact":"[redacted]"`) != 3 {
		t.Errorf("history after the customer was forgotten = %s", h)
	}
	if got, err := svc.Get(context.Background(), o.OrderID); err != nil || got.Status != Cancelled {
		t.Errorf("the order of a forgotten customer: %+v, %v", got, err)
	}
}

func TestAnOrderNotConfirmedCannotBeCancelledOrShipped(t *testing.T) {
	for _, tc := range []struct {
		name string
		then func(lifecycle.Order) []events.Payload
		want error
	}{
		{"still placed", func(lifecycle.Order) []events.Payload { return nil }, ErrNotConfirmed},
		{"rejected", func(o lifecycle.Order) []events.Payload { return o.StockRejected("BOOK-42") }, ErrDidNotGoThrough},
		{"expired", func(o lifecycle.Order) []events.Payload { return o.DeadlinePassed() }, ErrDidNotGoThrough},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, store := newService()
			o, _, err := svc.Place(context.Background(), placement(), meta)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lifecycle.Decide(context.Background(), store, o.OrderID, meta, tc.then); err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.Cancel(context.Background(), o.OrderID, Cancellation{}, meta); !errors.Is(err, tc.want) {
				t.Errorf("cancel: %v, want %v", err, tc.want)
			}
			if _, _, err := svc.Ship(context.Background(), o.OrderID, Shipment{Carrier: "DHL", TrackingNumber: "X1"}, meta); !errors.Is(err, tc.want) {
				t.Errorf("ship: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAPlacementSentAgainWithItsIdempotencyKeyAnswersTheOrderItPlaced(t *testing.T) {
	svc, store := newService()
	p := placement()
	p.IdempotencyKey = "checkout-7f3a"
	first, placed, err := svc.Place(context.Background(), p, meta)
	if err != nil || placed.EventID == "" {
		t.Fatalf("%+v, %v", placed, err)
	}
	again, placedAgain, err := svc.Place(context.Background(), p, meta)
	if err != nil || again.OrderID != first.OrderID || placedAgain.EventID != "" {
		t.Fatalf("sent again: order %s, event %q, %v; want order %s and no event", again.OrderID, placedAgain.EventID, err, first.OrderID)
	}
	if records, _ := store.Load(context.Background(), contract.OrderStream.ID(first.OrderID), 1); len(records) != 1 {
		t.Errorf("%d events in the order's stream, want the one order.placed", len(records))
	}

	other := p
	other.Items = []Line{{SKU: "BOOK-42", Quantity: 3, UnitPriceCents: 1999}}
	if _, _, err := svc.Place(context.Background(), other, meta); failure.Of(err).Kind != failure.Conflict {
		t.Errorf("another placement under the key: %v, want a conflict", err)
	}
	p.IdempotencyKey = "checkout-7f3b"
	if o, _, err := svc.Place(context.Background(), p, meta); err != nil || o.OrderID == first.OrderID {
		t.Errorf("another key: order %s, %v; want a new order", o.OrderID, err)
	}
	for _, key := range []string{"has space", "tab\tin", "é", strings.Repeat("k", 256)} {
		p.IdempotencyKey = key
		if _, _, err := svc.Place(context.Background(), p, meta); failure.Of(err).Kind != failure.Invalid {
			t.Errorf("key %q: %v, want it refused", key, err)
		}
	}
}
