package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

var parcel = map[string]string{"carrier": "DHL Express", "trackingNumber": "JD014600006281230154"}

func TestAShippedOrderIsMailedAndCannotShipOrCancelAgain(t *testing.T) {
	u := customer(t, "Hedy")
	correlation := "e2e-ship-" + uuid.NewString()
	o := confirmedOrder(t, u.UserID, "X-Correlation-Id", correlation)

	s := decode[order](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/ship", parcel, "X-Correlation-Id", correlation), http.StatusOK)
	if s.Status != "SHIPPED" || s.Carrier != parcel["carrier"] || s.Tracking != parcel["trackingNumber"] || s.ShippedAt == nil || s.Version != 5 {
		t.Errorf("shipped order = %+v", s)
	}
	if got := decode[order](t, call(t, http.MethodGet, "/orders/"+o.OrderID, nil), http.StatusOK); got.Status != "SHIPPED" {
		t.Errorf("read back as %s", got.Status)
	}
	mails := waitForMail(t, u.Email, 1, subjectHas("has shipped"))
	for _, want := range []string{parcel["carrier"], parcel["trackingNumber"], o.OrderID} {
		if !strings.Contains(mails[0].Text, want) || !strings.Contains(mails[0].HTML, want) {
			t.Errorf("the shipping mail lacks %q:\n%s", want, mails[0].Text)
		}
	}

	for _, again := range []struct{ what, path string }{{"shipping twice", "/ship"}, {"cancelling a shipped order", "/cancel"}} {
		var body any
		if again.path == "/ship" {
			body = parcel
		}
		e := decode[apiError](t, call(t, http.MethodPost, "/orders/"+o.OrderID+again.path, body), http.StatusConflict)
		if e.Error != "conflict" || e.Message == "" {
			t.Errorf("%s: %+v", again.what, e)
		}
	}

	h := decode[history](t, call(t, http.MethodGet, "/orders/"+o.OrderID+"/events", nil), http.StatusOK)
	var types []string
	for _, ev := range h.Events {
		types = append(types, ev.Envelope.EventType)
	}
	if len(types) != 5 || types[0] != events.TypeOrderPlaced || !slices.Equal(types[3:], []string{events.TypeOrderConfirmed, events.TypeOrderShipped}) {
		t.Errorf("history = %v", types)
	}
	flow := orderFlow(chain(t, correlation, 10))
	var flowTypes []string
	for _, env := range flow {
		flowTypes = append(flowTypes, env.EventType)
	}
	if !slices.Contains(flowTypes, events.TypeOrderShipped) || len(flowTypes) != 5 {
		t.Errorf("flow = %v, want order.placed, order.confirmed and order.shipped, the last two with a mail each", flowTypes)
	}
	if out := run(t, "trace", correlation); !strings.Contains(out, events.TypeOrderShipped) {
		t.Errorf("evctl trace does not show the shipment:\n%s", out)
	}
	assertMailsOnceDrained(t, u.Email, subjectHas("has shipped"), 1)
}

func TestACancelledOrderDoesNotShip(t *testing.T) {
	u := customer(t, "Katherine")
	o := confirmedOrder(t, u.UserID)
	decode[order](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", nil), http.StatusOK)
	e := decode[apiError](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/ship", parcel), http.StatusConflict)
	if e.Error != "conflict" {
		t.Errorf("shipping a cancelled order: %+v", e)
	}
}

func TestBadShipmentsAreRefusedNamingTheProblem(t *testing.T) {
	u := customer(t, "Radia")
	o := decode[order](t, call(t, http.MethodPost, "/orders", books(u.UserID)), http.StatusCreated)
	for _, tt := range []struct {
		name  string
		body  any
		field string
	}{
		{"no carrier", map[string]string{"trackingNumber": "X1"}, "carrier"},
		{"no tracking number", map[string]string{"carrier": "DHL"}, "trackingNumber"},
		{"a tracking number with spaces", map[string]string{"carrier": "DHL", "trackingNumber": "X 1"}, "trackingNumber"},
		{"an unknown field", map[string]string{"carrier": "DHL", "trackingNumber": "X1", "eta": "tomorrow"}, "eta"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if e := decode[apiError](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/ship", tt.body), http.StatusBadRequest); e.Field != tt.field {
				t.Errorf("error %+v, want field %s", e, tt.field)
			}
		})
	}
	if e := decode[apiError](t, call(t, http.MethodPost, "/orders/"+uuid.NewString()+"/ship", parcel), http.StatusNotFound); e.Error != "not_found" {
		t.Errorf("shipping an unknown order: %+v", e)
	}
}

// A stream written before order.placed v2, holding a v1 event, reads,
// mails and changes as if it had been written today.
func TestAStreamHoldingAVersion1OrderPlacedFoldsMailsAndShips(t *testing.T) {
	u := customer(t, "Mary")
	orderID := uuid.NewString()
	v1 := events.OrderPlacedV1{OrderID: orderID, Customer: events.CustomerV1{UserID: u.UserID, Email: u.Email, Name: u.Name}, Currency: "EUR", TotalCents: 4248,
		Items: []events.LineItemV1{{SKU: "BOOK-42", Quantity: 2, UnitPriceCents: 1999}, {SKU: "PEN-1", Quantity: 1, UnitPriceCents: 250}}}
	data, err := json.Marshal(v1)
	if err != nil {
		t.Fatal(err)
	}
	old := events.Envelope{EventID: uuid.NewString(), EventType: events.TypeOrderPlaced, EventVersion: 1, Timestamp: time.Now().UTC(),
		Source: events.SourceOrder, Data: data, Metadata: events.Metadata{CorrelationID: "e2e-v1-" + orderID, CausationID: "e2e"}}
	raw, _ := json.Marshal(old)
	if _, err := events.Parse(raw); err != nil {
		t.Fatalf("the v1 envelope is not one a v1 producer wrote: %v", err)
	}
	if err := eventStore().Append(context.Background(), contract.OrderStream.ID(orderID), 0, old); err != nil {
		t.Fatal(err)
	}

	// The relay publishes it as it is stored; the checkout reads it as v3.
	mails := waitForMail(t, u.Email, 1, subjectHas(orderID[:8]))
	for _, want := range []string{"Your payment was declined", "42.48 EUR", "Nothing was charged"} {
		if !strings.Contains(mails[0].Text, want) {
			t.Errorf("the rejection of a v1 order lacks %q:\n%s", want, mails[0].Text)
		}
	}
	// It names no payment method, as no order did before the checkout: its
	// payment is declined, and today's checkout rejects it on top of it.
	got := waitForStatus(t, orderID, "REJECTED")
	if got.Reason != events.RejectedPaymentDeclined || got.TotalCents != 4248 || got.Currency != "EUR" || len(got.Items) != 2 || got.Items[0].UnitPriceCents != 1999 {
		t.Errorf("the v1 order folds to %+v", got)
	}
	decode[apiError](t, call(t, http.MethodPost, "/orders/"+orderID+"/ship", parcel), http.StatusConflict)
	h := decode[history](t, call(t, http.MethodGet, "/orders/"+orderID+"/events", nil), http.StatusOK)
	if n := len(h.Events); n < 2 || h.Events[0].Envelope.EventVersion != 3 || h.Events[n-1].Envelope.EventType != events.TypeOrderRejected {
		t.Errorf("the history of a stream of both versions, read at the latest: %+v", h.Events)
	}
	if p, err := events.Decode[events.OrderPlaced](h.Events[0].Envelope); err != nil || p.Total.AmountMinor != 4248 || p.Items[1].UnitPrice.AmountMinor != 250 {
		t.Errorf("the history's order.placed reads as %+v, %v", p, err)
	}
}
