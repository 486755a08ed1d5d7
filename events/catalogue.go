package events

import (
	"slices"
	"strings"
	"time"
)

// Sources name the service that publishes an event; EventBridge rules and
// IAM conditions match on them.
const (
	SourceUser         = "eventshop.user"
	SourceOrder        = "eventshop.order"
	SourceNotification = "eventshop.notification"
)

// Event types, named <aggregate>.<pastTense>.
const (
	TypeUserRegistered    = "user.registered"
	TypeUserPasswordReset = "user.passwordReset"
	TypeOrderPlaced       = "order.placed"
	TypeOrderCancelled    = "order.cancelled"
	TypeNotificationSent  = "notification.sent"
)

// UserRegistered is published once a user has been stored; its email is
// unique among users.
type UserRegistered struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// EventType implements [Payload].
func (UserRegistered) EventType() string { return TypeUserRegistered }

// UserPasswordReset is published when a user asks to reset their
// password. It carries the single-use token for the mail; the user service
// keeps only the token's SHA-256, and the token is worthless after
// ExpiresAt or once a newer reset replaces it.
type UserPasswordReset struct {
	UserID    string    `json:"userId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// EventType implements [Payload].
func (UserPasswordReset) EventType() string { return TypeUserPasswordReset }

// Customer is who an order is for, as the order service knows them from
// user.registered: enough to write to them without asking anyone.
type Customer struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// LineItem is one line of an order. Amounts are in the currency's minor
// unit (cents for USD and EUR).
type LineItem struct {
	SKU            string `json:"sku"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unitPriceCents"`
}

// OrderPlaced is published when a customer places an order; it is the
// first event of stream order-<orderId>.
type OrderPlaced struct {
	OrderID    string     `json:"orderId"`
	Customer   Customer   `json:"customer"`
	Items      []LineItem `json:"items"`
	Currency   string     `json:"currency"`
	TotalCents int64      `json:"totalCents"`
}

// EventType implements [Payload].
func (OrderPlaced) EventType() string { return TypeOrderPlaced }

// OrderCancelled is published when a placed order is cancelled; an order
// is cancelled at most once.
type OrderCancelled struct {
	OrderID    string   `json:"orderId"`
	Customer   Customer `json:"customer"`
	Reason     string   `json:"reason,omitempty"`
	Currency   string   `json:"currency"`
	TotalCents int64    `json:"totalCents"`
}

// EventType implements [Payload].
func (OrderCancelled) EventType() string { return TypeOrderCancelled }

// NotificationSent records that a mail went out, caused by the event it
// answers, so that a flow's whole chain is in the event store. It names
// the recipient by user id, not by address.
type NotificationSent struct {
	Template  string `json:"template"`
	UserID    string `json:"userId"`
	Subject   string `json:"subject"`
	MessageID string `json:"messageId"`
}

// EventType implements [Payload].
func (NotificationSent) EventType() string { return TypeNotificationSent }

// Definition is one entry of the catalogue.
type Definition struct {
	// Type is the event type, also the EventBridge detail-type.
	Type string
	// Version is the payload version this build publishes and accepts; its
	// schema is schemas/<Type>.v<Version>.json.
	Version int
	// Source is the only service allowed to publish the type.
	Source string
	// Payload is the zero value of the payload struct.
	Payload Payload
}

// catalogue lists every event type eventshop knows. Keep it sorted by type.
var catalogue = []Definition{
	{Type: TypeNotificationSent, Version: 1, Source: SourceNotification, Payload: NotificationSent{}},
	{Type: TypeOrderCancelled, Version: 1, Source: SourceOrder, Payload: OrderCancelled{}},
	{Type: TypeOrderPlaced, Version: 1, Source: SourceOrder, Payload: OrderPlaced{}},
	{Type: TypeUserPasswordReset, Version: 1, Source: SourceUser, Payload: UserPasswordReset{}},
	{Type: TypeUserRegistered, Version: 1, Source: SourceUser, Payload: UserRegistered{}},
}

// Lookup returns the catalogue entry for an event type.
func Lookup(eventType string) (Definition, bool) {
	i, ok := slices.BinarySearchFunc(catalogue, eventType, func(d Definition, t string) int {
		return strings.Compare(d.Type, t)
	})
	if !ok {
		return Definition{}, false
	}
	return catalogue[i], true
}

// Catalogue returns every entry, sorted by type.
func Catalogue() []Definition { return slices.Clone(catalogue) }
