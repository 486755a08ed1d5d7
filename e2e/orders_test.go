package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

type lineItem struct {
	SKU            string `json:"sku"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unitPriceCents"`
}

type order struct {
	OrderID      string     `json:"orderId"`
	UserID       string     `json:"userId"`
	Status       string     `json:"status"`
	Items        []lineItem `json:"items"`
	Currency     string     `json:"currency"`
	TotalCents   int64      `json:"totalCents"`
	PlacedAt     time.Time  `json:"placedAt"`
	Reason       string     `json:"reason"`
	OutOfStock   string     `json:"outOfStock"`
	ConfirmedAt  *time.Time `json:"confirmedAt"`
	EndedAt      *time.Time `json:"endedAt"`
	CancelledAt  *time.Time `json:"cancelledAt"`
	CancelReason string     `json:"cancelReason"`
	ShippedAt    *time.Time `json:"shippedAt"`
	Carrier      string     `json:"carrier"`
	Tracking     string     `json:"trackingNumber"`
	Version      int        `json:"version"`
}

type history struct {
	OrderID string `json:"orderId"`
	Events  []struct {
		Version  int             `json:"version"`
		Envelope events.Envelope `json:"envelope"`
	} `json:"events"`
}

func books(userID string) map[string]any {
	return map[string]any{"userId": userID, "currency": "EUR", "paymentMethod": "card_ok", "items": []lineItem{
		{SKU: "BOOK-42", Quantity: 2, UnitPriceCents: 1999},
		{SKU: "PEN-1", Quantity: 1, UnitPriceCents: 250},
	}}
}

// customer registers a user and waits until the order service knows them:
// it learns of users from user.registered, a moment after registration,
// and keeps them in its customers table.
func customer(t *testing.T, name string) user {
	t.Helper()
	return customerAt(t, uniqueEmail(name), name)
}

// customerAt is customer with the address given.
func customerAt(t *testing.T, email, name string) user {
	t.Helper()
	u := register(t, email, name)
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := dynamo().GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(output(contract.OutputCustomersTable)),
			Key:       map[string]types.AttributeValue{contract.CustomersKey: &types.AttributeValueMemberS{Value: u.UserID}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item != nil {
			return u
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s the order service does not know user %s", u.UserID)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestPlacingAndCancellingAnOrderMailsTheCustomerEachTime(t *testing.T) {
	u := customer(t, "Ada")
	correlation := "e2e-" + uuid.NewString()
	stockBooks(t)
	r := call(t, http.MethodPost, "/orders", books(u.UserID), "X-Correlation-Id", correlation)
	o := decode[order](t, r, http.StatusCreated)
	if o.Status != "PLACED" || o.TotalCents != 4248 || o.Currency != "EUR" || o.UserID != u.UserID || len(o.Items) != 2 || o.Version != 1 {
		t.Errorf("placed order = %+v", o)
	}
	if r.header.Get("Location") != "/orders/"+o.OrderID || r.header.Get("X-Correlation-Id") != correlation {
		t.Errorf("headers = %v", r.header)
	}

	confirmation := waitForMail(t, u.Email, 1, subjectHas("Your eventshop order "+o.OrderID[:8]))[0]
	for _, body := range []string{confirmation.Text, confirmation.HTML} {
		for _, want := range []string{o.OrderID, "BOOK-42", "19.99 EUR", "39.98 EUR", "PEN-1", "2.50 EUR", "42.48 EUR"} {
			if !strings.Contains(body, want) {
				t.Errorf("confirmation lacks %q:\n%s", want, body)
			}
		}
	}

	got := waitForStatus(t, o.OrderID, "CONFIRMED")
	if got.TotalCents != 4248 || got.Version != 4 || got.ConfirmedAt == nil {
		t.Errorf("read back %+v", got)
	}

	c := decode[order](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", map[string]string{"reason": "changed my mind"}), http.StatusOK)
	if c.Status != "CANCELLED" || c.CancelledAt == nil || c.CancelReason != "changed my mind" || c.Version != 5 {
		t.Errorf("cancelled order = %+v", c)
	}
	cancellation := waitForMail(t, u.Email, 1, subjectHas("is cancelled"))[0]
	if !strings.Contains(cancellation.Text, "42.48 EUR") || !strings.Contains(cancellation.Text, "changed my mind") {
		t.Errorf("cancellation mail:\n%s", cancellation.Text)
	}
	if got := decode[order](t, call(t, http.MethodGet, "/orders/"+o.OrderID, nil), http.StatusOK); got.Status != "CANCELLED" {
		t.Errorf("read back %+v after cancelling", got)
	}

	e := decode[apiError](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", nil), http.StatusConflict)
	if e.Error != "conflict" {
		t.Errorf("cancelling twice: %+v", e)
	}

	h := decode[history](t, call(t, http.MethodGet, "/orders/"+o.OrderID+"/events", nil), http.StatusOK)
	var types []string
	for i, ev := range h.Events {
		types = append(types, ev.Envelope.EventType)
		if ev.Version != i+1 || ev.Envelope.Source != events.SourceOrder {
			t.Errorf("event %d: v%d from %s", i, ev.Version, ev.Envelope.Source)
		}
	}
	if types[0] != events.TypeOrderPlaced || !slices.Equal(types[3:], []string{events.TypeOrderConfirmed, events.TypeOrderCancelled}) ||
		!slices.Contains(types, events.TypeOrderPaymentAuthorized) || !slices.Contains(types, events.TypeOrderStockReserved) {
		t.Errorf("history = %v", types)
	}
	if h.Events[0].Envelope.Metadata.CorrelationID != correlation {
		t.Errorf("order.placed is in flow %s, want the request's %s", h.Events[0].Envelope.Metadata.CorrelationID, correlation)
	}
}

// chain waits until flow correlation holds at least want events and
// returns them, read back by the correlation query in causal order.
func chain(t *testing.T, correlation string, want int) []events.Envelope {
	t.Helper()
	store := eventStore()
	deadline := time.Now().Add(20 * time.Second)
	for {
		records, err := store.ByCorrelation(context.Background(), correlation)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) >= want || time.Now().After(deadline) {
			var out []events.Envelope
			for _, r := range records {
				out = append(out, r.Envelope)
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An order placed and then cancelled in one flow (one X-Correlation-Id)
// reads back as two branches, each a request that caused an order event
// that caused a mail: request → order.placed → notification.sent, then
// request → order.cancelled → notification.sent.
func TestAnOrdersFlowReadsBackAsOneCausalChain(t *testing.T) {
	u := customer(t, "Grace")
	mark := logMark(t)
	correlation := "e2e-" + uuid.NewString()
	o := confirmedOrder(t, u.UserID, "X-Correlation-Id", correlation)
	waitForMail(t, u.Email, 1, subjectHas(o.OrderID[:8]))
	if c := orderFlow(chain(t, correlation, 8)); len(c) != 3 {
		t.Fatalf("before the cancel, flow %s holds %v, want order.placed, order.confirmed and notification.sent", correlation, len(c))
	}
	r := call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", map[string]string{"reason": "traced"}, "X-Correlation-Id", correlation)
	decode[order](t, r, http.StatusOK)
	if got := r.header.Get("X-Correlation-Id"); got != correlation {
		t.Errorf("the cancel answered in flow %q, want %q", got, correlation)
	}
	waitForMail(t, u.Email, 1, subjectHas("is cancelled"))

	flow := orderFlow(chain(t, correlation, 12))
	var types []string
	for _, env := range flow {
		types = append(types, env.EventType)
		if env.Metadata.CorrelationID != correlation {
			t.Errorf("%s %s is in flow %s, want %s", env.EventType, env.EventID, env.Metadata.CorrelationID, correlation)
		}
	}
	want := []string{events.TypeOrderPlaced, events.TypeOrderConfirmed, events.TypeNotificationSent, events.TypeOrderCancelled, events.TypeNotificationSent}
	if !slices.Equal(types, want) {
		t.Fatalf("flow = %v, want %v", types, want)
	}
	placed, confirmed, confirmMail, cancelled, cancelMail := flow[0], flow[1], flow[2], flow[3], flow[4]

	// Each order event is caused by its own request.
	if mark >= 0 {
		if id := apiRequestID(t, mark, "order", "POST /orders", correlation); placed.Metadata.CausationID != id {
			t.Errorf("order.placed is caused by %q, want the placing request %q", placed.Metadata.CausationID, id)
		}
		if id := apiRequestID(t, mark, "order", "POST /orders/{orderId}/cancel", correlation); cancelled.Metadata.CausationID != id {
			t.Errorf("order.cancelled is caused by %q, want the cancelling request %q", cancelled.Metadata.CausationID, id)
		}
	}
	if c := cancelled.Metadata.CausationID; c == "" || c == correlation || c == placed.Metadata.CausationID {
		t.Errorf("order.cancelled is caused by %q, want the cancelling request's own id (order.placed's is %q)", c, placed.Metadata.CausationID)
	}

	// Each mail is caused by the order event it tells of.
	for _, link := range []struct {
		cause, mail events.Envelope
		template    string
	}{{confirmed, confirmMail, "order-confirmation"}, {cancelled, cancelMail, "order-cancellation"}} {
		if link.mail.Metadata.CausationID != link.cause.EventID {
			t.Errorf("the %s notification.sent is caused by %s, want %s %s", link.template, link.mail.Metadata.CausationID, link.cause.EventType, link.cause.EventID)
		}
		p, err := events.Decode[events.NotificationSent](link.mail)
		if err != nil || p.Template != link.template || p.UserID != u.UserID {
			t.Errorf("notification.sent = %+v, %v; want template %s for %s", p, err, link.template, u.UserID)
		}
	}
	if p, err := events.Decode[events.OrderCancelled](cancelled); err != nil || p.OrderID != o.OrderID || p.Reason != "traced" {
		t.Errorf("order.cancelled = %+v, %v", p, err)
	}
}

// orderFlow leaves out of a flow the checkout's steps: what the payment
// and inventory services did for the order, and the halves the order
// recorded of it, but not its decision.
func orderFlow(flow []events.Envelope) []events.Envelope {
	return slices.DeleteFunc(flow, func(env events.Envelope) bool {
		switch env.EventType {
		case events.TypeOrderPaymentAuthorized, events.TypeOrderStockReserved:
			return true
		}
		return env.Source == events.SourceInventory || env.Source == events.SourcePayment
	})
}

func TestOfConcurrentCancelsExactlyOneWins(t *testing.T) {
	u := customer(t, "Alan")
	o := confirmedOrder(t, u.UserID)
	const n = 5
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			statuses[i] = call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", nil).status
		})
	}
	close(start)
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	if counts[http.StatusOK] != 1 || counts[http.StatusConflict] != n-1 {
		t.Errorf("statuses = %v, want one 200 and %d 409s", statuses, n-1)
	}
	h := decode[history](t, call(t, http.MethodGet, "/orders/"+o.OrderID+"/events", nil), http.StatusOK)
	if len(h.Events) != 5 {
		t.Errorf("%d events stored, want order.placed, the checkout's three and one order.cancelled", len(h.Events))
	}
	waitForMail(t, u.Email, 1, subjectHas("is cancelled"))
	assertMailsOnceDrained(t, u.Email, subjectHas("is cancelled"), 1)
}

func TestBadOrdersAreRefusedNamingTheProblem(t *testing.T) {
	u := customer(t, "Barbara")
	items := func(n int) []lineItem {
		out := make([]lineItem, n)
		for i := range out {
			out[i] = lineItem{SKU: fmt.Sprintf("SKU-%d", i), Quantity: 1, UnitPriceCents: 100}
		}
		return out
	}
	edited := func(edit func(m map[string]any)) map[string]any {
		m := books(u.UserID)
		edit(m)
		return m
	}
	tests := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"a body that is not JSON", "{", 400, ""},
		{"an unknown field", edited(func(m map[string]any) { m["coupon"] = "FREE" }), 400, "coupon"},
		{"a user id that is not a UUID", edited(func(m map[string]any) { m["userId"] = "ada" }), 400, "userId"},
		{"an unknown user", edited(func(m map[string]any) { m["userId"] = uuid.NewString() }), 422, "userId"},
		{"no items", edited(func(m map[string]any) { m["items"] = []lineItem{} }), 400, "items"},
		{"99 items", edited(func(m map[string]any) { m["items"] = items(99) }), 400, "items"},
		{"a zero quantity", edited(func(m map[string]any) { m["items"] = []lineItem{{SKU: "A", Quantity: 0, UnitPriceCents: 1}} }), 400, "items[0].quantity"},
		{"a negative price", edited(func(m map[string]any) { m["items"] = []lineItem{{SKU: "A", Quantity: 1, UnitPriceCents: -1}} }), 400, "items[0].unitPriceCents"},
		{"a fractional quantity", `{"userId":"` + u.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":1.5,"unitPriceCents":1}]}`, 400, "items[0].quantity"},
		{"a whole quantity written 1.0", `{"userId":"` + u.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":1.0,"unitPriceCents":1}]}`, 400, "items[0].quantity"},
		{"a whole price written 1e2", `{"userId":"` + u.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":1,"unitPriceCents":1e2}]}`, 400, "items[0].unitPriceCents"},
		{"a price as a string", `{"userId":"` + u.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":1,"unitPriceCents":"1"}]}`, 400, "items[0].unitPriceCents"},
		{"a currency that is not ISO 4217", edited(func(m map[string]any) { m["currency"] = "EURO" }), 400, "currency"},
		{"a card number for the payment method", edited(func(m map[string]any) { m["paymentMethod"] = "4111-1111-1111-1111" }), 400, "paymentMethod"},
		{"a repeated sku", edited(func(m map[string]any) {
			m["items"] = []lineItem{{SKU: "A", Quantity: 1, UnitPriceCents: 1}, {SKU: "A", Quantity: 2, UnitPriceCents: 1}}
		}), 400, "items[1].sku"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decode[apiError](t, call(t, http.MethodPost, "/orders", tt.body), tt.status)
			if e.Field != tt.field || e.Message == "" {
				t.Errorf("error = %+v, want field %q", e, tt.field)
			}
		})
	}

	for _, tt := range []struct {
		name, method, path string
		status             int
	}{
		{"reading an unknown order", http.MethodGet, "/orders/" + uuid.NewString(), 404},
		{"reading a malformed order id", http.MethodGet, "/orders/42", 400},
		{"the history of an unknown order", http.MethodGet, "/orders/" + uuid.NewString() + "/events", 404},
		{"cancelling an unknown order", http.MethodPost, "/orders/" + uuid.NewString() + "/cancel", 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			decode[apiError](t, call(t, tt.method, tt.path, nil), tt.status)
		})
	}
	t.Run("a cancel reason over 200 characters", func(t *testing.T) {
		o := decode[order](t, call(t, http.MethodPost, "/orders", books(u.UserID)), http.StatusCreated)
		e := decode[apiError](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", map[string]string{"reason": strings.Repeat("r", 201)}), 400)
		if e.Field != "reason" {
			t.Errorf("error = %+v", e)
		}
	})
}

// A client that sends its order again — its connection dropped, say — with
// the same Idempotency-Key gets the order it placed, not a second one: even
// when both requests arrive at once. The key with another order is a 409.
func TestAnOrderSentAgainWithItsIdempotencyKeyIsPlacedOnce(t *testing.T) {
	u := customer(t, "Idem")
	stockBooks(t)
	key := "e2e-" + uuid.NewString()
	var wg sync.WaitGroup
	answers := make([]response, 4)
	for i := range answers {
		wg.Go(func() {
			answers[i] = call(t, http.MethodPost, "/orders", books(u.UserID), contract.IdempotencyHeader, key)
		})
	}
	wg.Wait()
	var id string
	replayed := 0
	for _, a := range answers {
		o := decode[order](t, a, http.StatusCreated)
		if id == "" {
			id = o.OrderID
		}
		if o.OrderID != id {
			t.Fatalf("one key placed orders %s and %s", id, o.OrderID)
		}
		if a.header.Get(contract.IdempotentReplayHeader) == "true" {
			replayed++
		}
	}
	if replayed != len(answers)-1 {
		t.Errorf("%d of %d answers say %s, want all but the one that placed the order", replayed, len(answers), contract.IdempotentReplayHeader)
	}
	waitForStatus(t, id, "CONFIRMED")
	h := decode[history](t, call(t, http.MethodGet, "/orders/"+id+"/events", nil), http.StatusOK)
	if placed := slices.IndexFunc(h.Events[1:], func(e struct {
		Version  int             `json:"version"`
		Envelope events.Envelope `json:"envelope"`
	}) bool {
		return e.Envelope.EventType == events.TypeOrderPlaced
	}); placed >= 0 || h.Events[0].Envelope.EventType != events.TypeOrderPlaced {
		t.Errorf("the order's history has more than one order.placed: %+v", h.Events)
	}
	if got := finalTypes(t, contract.PaymentStream, id, events.TypePaymentAuthorized); len(got) != 1 {
		t.Errorf("payment stream %v, want one authorization", got)
	}

	other := books(u.UserID)
	other["currency"] = "USD"
	e := decode[apiError](t, call(t, http.MethodPost, "/orders", other, contract.IdempotencyHeader, key), http.StatusConflict)
	if !strings.Contains(e.Message, contract.IdempotencyHeader) {
		t.Errorf("the conflict says %q, want it to name %s", e.Message, contract.IdempotencyHeader)
	}
	e = decode[apiError](t, call(t, http.MethodPost, "/orders", books(u.UserID), contract.IdempotencyHeader, "a key with spaces"), http.StatusBadRequest)
	if e.Field != contract.IdempotencyHeader {
		t.Errorf("a key with spaces: %+v, want a 400 naming %s", e, contract.IdempotencyHeader)
	}
}
