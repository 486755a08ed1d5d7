package events

import (
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
)

// An upcaster turns the data of one version of a type into the data of
// the next. It is pure: the same data always gives the same result, and
// nothing else is read. Each is tested on the sample of its version.

// UserRegisteredV1 is user.registered as version 1 wrote it: the contact
// in clear.
type UserRegisteredV1 struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// userRegisteredV1ToV2 keeps the clear contact as legacy.
func userRegisteredV1ToV2(v1 UserRegisteredV1) UserRegistered {
	return UserRegistered{UserID: v1.UserID, Contact: legacyPerson(v1.UserID, v1.Email, v1.Name).Contact}
}

// UserPasswordResetV1 is user.passwordReset as version 1 wrote it: the
// contact and the token in clear.
type UserPasswordResetV1 struct {
	UserID    string    `json:"userId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// userPasswordResetV1ToV2 keeps the clear contact and token as legacy.
func userPasswordResetV1ToV2(v1 UserPasswordResetV1) UserPasswordReset {
	return UserPasswordReset{UserID: v1.UserID, Contact: legacyPerson(v1.UserID, v1.Email, v1.Name).Contact,
		Token: Secret{Legacy: v1.Token}, ExpiresAt: v1.ExpiresAt}
}

// CustomerV1 is the customer of the order events written before contacts
// were sealed: order.placed v1 and v2, order.cancelled v1, order.shipped v1.
type CustomerV1 struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// person is the customer with the clear contact kept as legacy.
func (c CustomerV1) person() Person { return legacyPerson(c.UserID, c.Email, c.Name) }

// OrderPlacedV1 is order.placed as version 1 wrote it: amounts in bare
// cents beside one currency.
type OrderPlacedV1 struct {
	OrderID    string       `json:"orderId"`
	Customer   CustomerV1   `json:"customer"`
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

// OrderPlacedV2 is order.placed as version 2 wrote it: every amount
// Money, the customer's contact in clear.
type OrderPlacedV2 struct {
	OrderID  string     `json:"orderId"`
	Customer CustomerV1 `json:"customer"`
	Items    []LineItem `json:"items"`
	Total    Money      `json:"total"`
}

// orderPlacedV1ToV2 makes every amount Money, in the order's currency.
func orderPlacedV1ToV2(v1 OrderPlacedV1) OrderPlacedV2 {
	v2 := OrderPlacedV2{OrderID: v1.OrderID, Customer: v1.Customer, Total: Money{AmountMinor: v1.TotalCents, Currency: v1.Currency}}
	for _, it := range v1.Items {
		v2.Items = append(v2.Items, LineItem{SKU: it.SKU, Quantity: it.Quantity, UnitPrice: Money{AmountMinor: it.UnitPriceCents, Currency: v1.Currency}})
	}
	return v2
}

// orderPlacedV2ToV3 keeps the customer's clear contact as legacy.
func orderPlacedV2ToV3(v2 OrderPlacedV2) OrderPlaced {
	return OrderPlaced{OrderID: v2.OrderID, Customer: v2.Customer.person(), Items: v2.Items, Total: v2.Total}
}

// OrderCancelledV1 is order.cancelled as version 1 wrote it: the customer's
// contact in clear, the total in bare cents beside the currency.
type OrderCancelledV1 struct {
	OrderID    string     `json:"orderId"`
	Customer   CustomerV1 `json:"customer"`
	Reason     string     `json:"reason,omitempty"`
	Currency   string     `json:"currency"`
	TotalCents int64      `json:"totalCents"`
}

// orderCancelledV1ToV2 keeps the clear contact as legacy and makes the
// total Money.
func orderCancelledV1ToV2(v1 OrderCancelledV1) OrderCancelled {
	return OrderCancelled{OrderID: v1.OrderID, Customer: v1.Customer.person(), Reason: v1.Reason,
		Total: Money{AmountMinor: v1.TotalCents, Currency: v1.Currency}}
}

// OrderShippedV1 is order.shipped as version 1 wrote it: the customer's
// contact in clear.
type OrderShippedV1 struct {
	OrderID        string     `json:"orderId"`
	Customer       CustomerV1 `json:"customer"`
	Carrier        string     `json:"carrier"`
	TrackingNumber string     `json:"trackingNumber"`
}

// orderShippedV1ToV2 keeps the clear contact as legacy.
func orderShippedV1ToV2(v1 OrderShippedV1) OrderShipped {
	return OrderShipped{OrderID: v1.OrderID, Customer: v1.Customer.person(), Carrier: v1.Carrier, TrackingNumber: v1.TrackingNumber}
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
