package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// stockBooks makes plenty of what books orders available.
func stockBooks(t testing.TB) {
	t.Helper()
	setStock(t, "BOOK-42", 1_000_000)
	setStock(t, "PEN-1", 1_000_000)
}

// confirmedOrder places books for userID, paid by card, with the items
// in stock, and waits until the order is confirmed; headers alternate
// names and values.
func confirmedOrder(t testing.TB, userID string, headers ...string) order {
	t.Helper()
	stockBooks(t)
	o := decode[order](t, call(t, http.MethodPost, "/orders", books(userID), headers...), http.StatusCreated)
	return waitForStatus(t, o.OrderID, "CONFIRMED")
}

// waitForStatus waits until the order leaves PLACED, and fails the test
// unless it is then in status.
func waitForStatus(t testing.TB, orderID, status string) order {
	t.Helper()
	deadline := time.Now().Add(orderDeadline(t) + 30*time.Second)
	for {
		o := decode[order](t, call(t, http.MethodGet, "/orders/"+orderID, nil), http.StatusOK)
		if o.Status != "PLACED" || time.Now().After(deadline) {
			if o.Status != status {
				t.Fatalf("order %s is %s (reason %q), want %s", orderID, o.Status, o.Reason, status)
			}
			return o
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// finalTypes waits until the stream's last event is one of final, and
// returns the stream's types.
func finalTypes(t testing.TB, stream contract.Stream, id string, final ...string) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		types := typesOf(streamOf(t, stream, id, 0))
		if len(types) > 0 && slices.Contains(final, types[len(types)-1]) {
			return types
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s stream %s holds %v, want it to end in one of %v", stream.ID(id), types, final)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Each path of the checkout, as a customer sees it (the order's status and
// reason) and as the stock and the payment provider see it.
func TestTheCheckoutConfirmsOrRejectsEachOrderAndUndoesWhatARejectionLeftHalfDone(t *testing.T) {
	u := customer(t, "Frances")
	for _, tc := range []struct {
		name, method   string
		stock          int64
		status, reason string
		payment        []string // the payment stream, in order
		stockEvents    []string // the stock stream, in order
		available      int64    // of the item afterwards
		mail           string   // what the mail about the order says
	}{
		{"a paid order in stock is confirmed and its stock sold", "card_ok", 3, "CONFIRMED", "",
			[]string{events.TypePaymentAuthorized}, []string{events.TypeStockReserved, events.TypeStockSold}, 1, "It is confirmed"},
		{"a declined card rejects the order and gives back its stock", "card_declined", 3, "REJECTED", events.RejectedPaymentDeclined,
			[]string{events.TypePaymentDeclined}, []string{events.TypeStockReserved, events.TypeStockReleased}, 3, "Your payment was declined"},
		{"an item out of stock rejects the order and voids its payment", "card_ok", 1, "REJECTED", events.RejectedOutOfStock,
			[]string{events.TypePaymentAuthorized, events.TypePaymentVoided}, []string{events.TypeStockRejected}, 1, "We do not have enough of "},
		{"a provider that is down rejects the order as payment_unavailable", "card_unavailable", 3, "REJECTED", events.RejectedPaymentUnavailable,
			[]string{events.TypePaymentDeclined}, []string{events.TypeStockReserved, events.TypeStockReleased}, 3, "could not reach our payment provider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sku := newSKU("MUG")
			setStock(t, sku, tc.stock)
			o := waitForStatus(t, placeWith(t, u.UserID, sku, 2, tc.method).OrderID, tc.status)
			if o.Reason != tc.reason {
				t.Errorf("reason %q, want %q", o.Reason, tc.reason)
			}
			if tc.reason == events.RejectedOutOfStock && o.OutOfStock != sku {
				t.Errorf("out of stock names %q, want %s", o.OutOfStock, sku)
			}
			if got := finalTypes(t, contract.PaymentStream, o.OrderID, tc.payment[len(tc.payment)-1]); !slices.Equal(got, tc.payment) {
				t.Errorf("payment stream = %v, want %v", got, tc.payment)
			}
			if got := finalTypes(t, contract.StockStream, o.OrderID, tc.stockEvents[len(tc.stockEvents)-1]); !slices.Equal(got, tc.stockEvents) {
				t.Errorf("stock stream = %v, want %v", got, tc.stockEvents)
			}
			if m := waitForMail(t, u.Email, 1, subjectHas(o.OrderID[:8])); !strings.Contains(m[0].Text, tc.mail) {
				t.Errorf("the mail about the order does not say %q:\n%s", tc.mail, m[0].Text)
			}
			l := getStock(t, sku)
			if l.Available != tc.available || l.Available+l.Reserved+l.Sold != tc.stock {
				t.Errorf("stock %+v, want %d available of the %d put in", l, tc.available, tc.stock)
			}
		})
	}
}

func TestAConfirmedOrderCancelledIsRefundedAndRestocked(t *testing.T) {
	u := customer(t, "Annie")
	sku := newSKU("LAMP")
	setStock(t, sku, 4)
	o := waitForStatus(t, placeWith(t, u.UserID, sku, 3, "card_ok").OrderID, "CONFIRMED")
	waitForStock(t, sku, func(l stockLevel) bool { return l.Sold == 3 })
	c := decode[order](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", map[string]string{"reason": "too many lamps"}), http.StatusOK)
	if c.Status != "CANCELLED" {
		t.Errorf("cancelled order = %+v", c)
	}
	if got := finalTypes(t, contract.PaymentStream, o.OrderID, events.TypePaymentRefunded); len(got) != 2 {
		t.Errorf("payment stream = %v", got)
	}
	finalTypes(t, contract.StockStream, o.OrderID, events.TypeStockReleased)
	if l := getStock(t, sku); l != (stockLevel{SKU: sku, Available: 4}) {
		t.Errorf("stock after the cancel = %+v, want all 4 available again", l)
	}
}

// A payment provider that never answers leaves the order placed until its
// deadline (30 s locally); then it expires, and what was reserved for it
// goes back.
func TestAnOrderNeitherConfirmedNorRejectedByItsDeadlineExpires(t *testing.T) {
	u := customer(t, "Ida")
	sku := newSKU("CLOCK")
	setStock(t, sku, 2)
	placed := placeWith(t, u.UserID, sku, 1, "card_timeout")
	deadline := time.Now().Add(orderDeadline(t) + 30*time.Second)
	var o order
	for {
		o = decode[order](t, call(t, http.MethodGet, "/orders/"+placed.OrderID, nil), http.StatusOK)
		if o.Status != "PLACED" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if o.Status != "EXPIRED" || o.EndedAt == nil {
		t.Fatalf("order = %+v, want EXPIRED", o)
	}
	if waited := o.EndedAt.Sub(o.PlacedAt); waited < orderDeadline(t) {
		t.Errorf("expired %v after it was placed, before its deadline of %v", waited, orderDeadline(t))
	}
	t.Logf("expired %v after it was placed", o.EndedAt.Sub(o.PlacedAt).Round(time.Millisecond))
	finalTypes(t, contract.StockStream, o.OrderID, events.TypeStockReleased)
	if got := finalTypes(t, contract.PaymentStream, o.OrderID, events.TypePaymentVoided); len(got) != 1 {
		t.Errorf("payment stream = %v, want it closed by one payment.voided", got)
	}
	if l := getStock(t, sku); l.Available != 2 || l.Reserved != 0 {
		t.Errorf("stock = %+v, want both available again", l)
	}
	if m := waitForMail(t, u.Email, 1, subjectHas(o.OrderID[:8])); !strings.Contains(m[0].Text, "in time") {
		t.Errorf("the mail about the expired order:\n%s", m[0].Text)
	}
}

// evctl trace shows an order's whole checkout as one causal tree: the
// request, order.placed, what each service did for it, and what the order
// made of that, down to the mail.
func TestEvctlTraceShowsAnOrdersCheckoutAsOneTree(t *testing.T) {
	u := customer(t, "Traced")
	correlation := "e2e-checkout-" + uuid.NewString()
	o := confirmedOrder(t, u.UserID, "X-Correlation-Id", correlation)
	waitForMail(t, u.Email, 1, subjectHas(o.OrderID[:8]))
	chain(t, correlation, 8)
	out := run(t, "trace", correlation)
	for _, want := range []string{events.TypeOrderPlaced, events.TypePaymentAuthorized, events.TypeStockReserved, events.TypeOrderPaymentAuthorized,
		events.TypeOrderStockReserved, events.TypeOrderConfirmed, events.TypeStockSold, events.TypeNotificationSent} {
		if !strings.Contains(out, want) {
			t.Errorf("the trace lacks %s:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "flow "+correlation+": 8 events") {
		t.Errorf("the trace does not hold the order's 8 events:\n%s", out)
	}
	t.Logf("evctl trace %s:\n%s", correlation, out)
}

// orderDeadline is the stack's order deadline: the delivery delay of the
// deadline consumer's queue, as deployed, read once.
func orderDeadline(t testing.TB) time.Duration {
	t.Helper()
	d, err := deployedDeadline()
	if err != nil {
		t.Fatalf("the order deadline: %v", err)
	}
	return d
}

var deployedDeadline = sync.OnceValues(func() (time.Duration, error) {
	out, err := sqsClient().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(output(contract.QueueOutput(string(contract.Deadline)))),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameDelaySeconds},
	})
	if err != nil {
		return 0, err
	}
	delay := out.Attributes[string(sqstypes.QueueAttributeNameDelaySeconds)]
	s, err := strconv.Atoi(delay)
	if err != nil || s <= 0 {
		return 0, fmt.Errorf("the deadline queue's delay is %q", delay)
	}
	return time.Duration(s) * time.Second, nil
})
