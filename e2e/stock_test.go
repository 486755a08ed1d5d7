package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

// stockLevel is the body of GET /stock/{sku}.
type stockLevel struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	Reserved  int64  `json:"reserved"`
	Sold      int64  `json:"sold"`
}

// newSKU returns an item no other test stocks.
func newSKU(name string) string { return name + "-" + uuid.NewString()[:8] }

// setStock makes n of sku available.
func setStock(t testing.TB, sku string, n int64) stockLevel {
	t.Helper()
	return decode[stockLevel](t, call(t, http.MethodPut, "/stock/"+sku, map[string]int64{"available": n}), http.StatusOK)
}

// getStock reads sku's stock.
func getStock(t testing.TB, sku string) stockLevel {
	t.Helper()
	return decode[stockLevel](t, call(t, http.MethodGet, "/stock/"+sku, nil), http.StatusOK)
}

// waitForStock waits until sku's stock satisfies ok, and returns it.
func waitForStock(t testing.TB, sku string, ok func(stockLevel) bool) stockLevel {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		l := getStock(t, sku)
		if ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 20s the stock of %s is %+v", sku, l)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStockIsSetAndReadBackAndAnUnknownItemIsNotFound(t *testing.T) {
	sku := newSKU("LAMP")
	if l := setStock(t, sku, 5); l != (stockLevel{SKU: sku, Available: 5}) {
		t.Errorf("set = %+v", l)
	}
	if l := setStock(t, sku, 7); l != (stockLevel{SKU: sku, Available: 7}) {
		t.Errorf("set again = %+v", l)
	}
	if l := getStock(t, sku); l != (stockLevel{SKU: sku, Available: 7}) {
		t.Errorf("read back %+v", l)
	}
	if e := decode[apiError](t, call(t, http.MethodGet, "/stock/"+newSKU("NONE"), nil), http.StatusNotFound); e.Error != "not_found" {
		t.Errorf("unknown item: %+v", e)
	}
	if e := decode[apiError](t, call(t, http.MethodPut, "/stock/"+sku, map[string]int64{"available": -1}), http.StatusBadRequest); e.Field != "available" {
		t.Errorf("negative stock: %+v", e)
	}
	for _, whole := range []string{"1.0", "1e3", "1E3"} {
		if e := decode[apiError](t, call(t, http.MethodPut, "/stock/"+sku, `{"available":`+whole+`}`), http.StatusBadRequest); e.Field != "available" {
			t.Errorf("available %s: %+v, want a 400 naming it", whole, e)
		}
	}
}

func TestAPlacedOrderTakesItsItemsFromWhatIsAvailable(t *testing.T) {
	u := customer(t, "Edsger")
	sku := newSKU("DESK")
	setStock(t, sku, 5)
	body := map[string]any{"userId": u.UserID, "currency": "EUR", "paymentMethod": "card_ok",
		"items": []lineItem{{SKU: sku, Quantity: 2, UnitPriceCents: 10000}}}
	decode[order](t, call(t, http.MethodPost, "/orders", body), http.StatusCreated)
	l := waitForStock(t, sku, func(l stockLevel) bool { return l.Available == 3 })
	if l.Available+l.Reserved+l.Sold != 5 {
		t.Errorf("stock = %+v: available, reserved and sold no longer add up to the 5 put in", l)
	}
}
