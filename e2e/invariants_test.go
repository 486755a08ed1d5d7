package e2e

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

func TestOfTwentyConcurrentOrdersOfOneUnitWithFiveInStockExactlyFiveAreConfirmed(t *testing.T) {
	u := customer(t, "Concurrent")
	sku := newSKU("LAST")
	setStock(t, sku, 5)
	ids := make([]string, 20)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range ids {
		wg.Go(func() {
			<-start
			ids[i] = placeWith(t, u.UserID, sku, 1, "card_ok").OrderID
		})
	}
	close(start)
	wg.Wait()
	counts := map[string]int{}
	for _, id := range ids {
		o := waitForDecision(t, id)
		counts[o.Status+" "+o.Reason]++
	}
	if counts["CONFIRMED "] != 5 || counts["REJECTED "+events.RejectedOutOfStock] != 15 || len(counts) != 2 {
		t.Errorf("outcomes = %v, want 5 CONFIRMED and 15 REJECTED out_of_stock", counts)
	}
	l := waitForStock(t, sku, func(l stockLevel) bool { return l.Reserved == 0 })
	if l != (stockLevel{SKU: sku, Available: 0, Reserved: 0, Sold: 5}) {
		t.Errorf("stock = %+v, want 0 available, 5 sold", l)
	}
	for _, id := range ids {
		assertPaymentSettled(t, id)
	}
}

// waitForDecision waits until the order is no longer PLACED: at the
// latest, a while after its deadline.
func waitForDecision(t testing.TB, orderID string) order {
	t.Helper()
	deadline := time.Now().Add(orderDeadline(t) + 30*time.Second)
	for {
		o := decode[order](t, call(t, http.MethodGet, "/orders/"+orderID, nil), http.StatusOK)
		if o.Status != "PLACED" {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is still PLACED half a minute after its deadline", orderID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertPaymentSettled checks that whatever was authorized for the order
// ended held by a confirmed order, voided or refunded, once: it waits
// for the payment stream to settle as the order's status says it must.
func assertPaymentSettled(t testing.TB, orderID string) {
	t.Helper()
	o := decode[order](t, call(t, http.MethodGet, "/orders/"+orderID, nil), http.StatusOK)
	var types []string
	switch o.Status {
	case "CONFIRMED", "SHIPPED":
		types = finalTypes(t, contract.PaymentStream, orderID, events.TypePaymentAuthorized)
	case "CANCELLED":
		types = finalTypes(t, contract.PaymentStream, orderID, events.TypePaymentRefunded)
	case "REJECTED", "EXPIRED":
		types = finalTypes(t, contract.PaymentStream, orderID, events.TypePaymentVoided, events.TypePaymentDeclined)
		if slices.Contains(types, events.TypePaymentAuthorized) && types[len(types)-1] != events.TypePaymentVoided {
			t.Errorf("order %s is %s, its payment %v: an authorization neither held by a confirmed order nor voided", orderID, o.Status, types)
		}
	default:
		t.Fatalf("order %s is %s", orderID, o.Status)
	}
	for _, ty := range []string{events.TypePaymentAuthorized, events.TypePaymentVoided, events.TypePaymentRefunded, events.TypePaymentDeclined} {
		if n := count(types, ty); n > 1 {
			t.Errorf("order %s: %d × %s in %v", orderID, n, ty, types)
		}
	}
}

func count(types []string, ty string) int {
	n := 0
	for _, t := range types {
		if t == ty {
			n++
		}
	}
	return n
}

// Orders of several items with little stock, paid every way the simulated
// provider knows, some cancelled once confirmed: afterwards, for every
// item, available + reserved + sold is what was put in, nothing is
// reserved for an order that is decided, nothing is negative; every
// authorization ended held by a confirmed order, voided or refunded;
// and no order stayed PLACED past its deadline. EVENTSHOP_CHECKOUT_N sets
// how many orders (60 by default), EVENTSHOP_CHECKOUT_CONCURRENCY how many
// are placed at once (min(N, 16)), EVENTSHOP_CHECKOUT_MIX their methods.
func TestUnderLoadWithMixedOutcomesStockAndPaymentsAddUp(t *testing.T) {
	n := 60
	if v, err := strconv.Atoi(os.Getenv("EVENTSHOP_CHECKOUT_N")); err == nil && v > 0 {
		n = v
	}
	u := customer(t, "Load")
	skus := []string{newSKU("A"), newSKU("B"), newSKU("C")}
	put := map[string]int64{skus[0]: int64(n) / 4, skus[1]: int64(n) / 3, skus[2]: int64(n)}
	for sku, q := range put {
		setStock(t, sku, q)
	}
	// The mix: mostly good cards, some declined, some with the provider
	// down, a few that never get an answer (and expire).
	// EVENTSHOP_CHECKOUT_MIX replaces it (comma-separated methods).
	methods := []string{"card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok", "card_ok",
		"card_declined", "card_declined", "card_unavailable", "card_unavailable", "card_ok", "card_ok", "card_ok", "card_timeout"}
	if mix := os.Getenv("EVENTSHOP_CHECKOUT_MIX"); mix != "" {
		methods = strings.Split(mix, ",")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	type placed struct {
		order
		method string
	}
	orders := make([]placed, n)
	concurrency := min(n, 16)
	if v, err := strconv.Atoi(os.Getenv("EVENTSHOP_CHECKOUT_CONCURRENCY")); err == nil && v > 0 {
		concurrency = v
	}
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	began := time.Now()
	for i := range orders {
		method, sku, qty := methods[rng.IntN(len(methods))], skus[rng.IntN(len(skus))], 1+rng.IntN(2)
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			orders[i] = placed{placeWith(t, u.UserID, sku, qty, method), method}
		})
	}
	wg.Wait()
	t.Logf("placed %d orders in %v at concurrency %d", n, time.Since(began).Round(time.Millisecond), concurrency)

	// Cancel a third of the confirmed ones.
	outcomes := map[string]int{}
	var latencies []time.Duration
	for i, p := range orders {
		o := waitForDecision(t, p.OrderID)
		if o.Status == "CONFIRMED" {
			latencies = append(latencies, o.ConfirmedAt.Sub(o.PlacedAt))
			if i%3 == 0 {
				o = decode[order](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", nil), http.StatusOK)
			}
		}
		if o.Status == "EXPIRED" && p.method != "card_timeout" {
			t.Errorf("order %s paid by %s expired", o.OrderID, p.method)
		}
		if o.EndedAt != nil && o.Status == "EXPIRED" && o.EndedAt.Sub(o.PlacedAt) > orderDeadline(t)+18*time.Second {
			t.Errorf("order %s stayed PLACED %v", o.OrderID, o.EndedAt.Sub(o.PlacedAt))
		}
		orders[i].order = o
		outcomes[p.method+" → "+o.Status+cmp.Or(" "+o.Reason, "")]++
	}
	t.Logf("outcomes: %v", outcomes)
	if len(latencies) > 0 {
		slices.Sort(latencies)
		pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
		t.Logf("POST /orders → CONFIRMED (confirmedAt − placedAt) over %d orders: p50 %v, p99 %v, max %v",
			len(latencies), pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
	}

	// Once every order is decided and its compensation done, nothing is
	// reserved and every unit is available or sold.
	sold := map[string]int64{}
	for _, p := range orders {
		if p.Status == "CONFIRMED" {
			for _, it := range p.Items {
				sold[it.SKU] += int64(it.Quantity)
			}
		}
	}
	for _, sku := range skus {
		l := waitForStock(t, sku, func(l stockLevel) bool { return l.Reserved == 0 && l.Sold == sold[sku] })
		if l.Available < 0 || l.Available+l.Reserved+l.Sold != put[sku] {
			t.Errorf("%s: %+v, put in %d", sku, l, put[sku])
		}
		t.Logf("%s: put in %d, %s", sku, put[sku], fmt.Sprintf("available %d, reserved %d, sold %d", l.Available, l.Reserved, l.Sold))
	}
	for _, p := range orders {
		assertPaymentSettled(t, p.OrderID)
	}
}
