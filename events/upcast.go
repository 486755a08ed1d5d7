package events

import (
	"fmt"

	"github.com/go-json-experiment/json"
)

// An upcaster turns the data of one version of a type into the data of
// the next. It is pure: the same data always gives the same result, and
// nothing else is read. Each is tested on the sample of its version.

// OrderPlacedV1 is order.placed as version 1 wrote it: amounts in bare
// cents beside one currency.
type OrderPlacedV1 struct {
	OrderID    string       `json:"orderId"`
	Customer   Customer     `json:"customer"`
	Items      []LineItemV1 `json:"items"`
	Currency   string       `json:"currency"`
	TotalCents int64        `json:"totalCents"`
}

// LineItemV1 is a line of OrderPlacedV1.
type LineItemV1 struct {
	SKU            string `json:"sku"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unitPriceCents"`
}

// orderPlacedV1ToV2 makes every amount Money, in the order's currency.
func orderPlacedV1ToV2(v1 OrderPlacedV1) OrderPlaced {
	v2 := OrderPlaced{OrderID: v1.OrderID, Customer: v1.Customer, Total: Money{AmountMinor: v1.TotalCents, Currency: v1.Currency}}
	for _, it := range v1.Items {
		v2.Items = append(v2.Items, LineItem{SKU: it.SKU, Quantity: it.Quantity, UnitPrice: Money{AmountMinor: it.UnitPriceCents, Currency: v1.Currency}})
	}
	return v2
}

// upcast makes an upcaster of a typed function.
func upcast[From, To any](f func(From) To) func([]byte) ([]byte, error) {
	return func(data []byte) ([]byte, error) {
		var from From
		if err := json.Unmarshal(data, &from); err != nil {
			return nil, fmt.Errorf("upcast %T: %w", from, err)
		}
		return json.Marshal(f(from))
	}
}

// unchanged is the upcaster of a version whose data the next reads as it
// is: the next only loosened what the data may hold.
func unchanged(data []byte) ([]byte, error) { return data, nil }
