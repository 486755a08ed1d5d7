package events

import "time"

// Sources name the service that publishes an event; EventBridge rules and
// IAM conditions match on them.
const (
	SourceUser         = "eventshop.user"
	SourceOrder        = "eventshop.order"
	SourceNotification = "eventshop.notification"
)

// Event types, named <aggregate>.<pastTense>.
const (
	TypeUserRegistered         = "user.registered"
	TypeUserPasswordReset      = "user.passwordReset"
	TypeUserForgotten          = "user.forgotten"
	TypeOrderPlaced            = "order.placed"
	TypeOrderCancelled         = "order.cancelled"
	TypeOrderShipped           = "order.shipped"
	TypeNotificationSent       = "notification.sent"
	TypeNotificationSuppressed = "notification.suppressed"
)

// The payload structs are those of each type's latest version, which
// producers write and, through the upcasters, readers read. Their JSON
// names are the schemas': a test holds each to its schema and sample.

// UserRegistered is published once a user has been stored; their email is
// unique among users. Version 2: the contact is sealed.
type UserRegistered struct {
	UserID  string          `json:"userId"`
	Contact Sealed[Contact] `json:"contact"`
}

// EventType implements [Payload].
func (UserRegistered) EventType() string { return TypeUserRegistered }

// UserPasswordReset is published when a user asks to reset their
// password. It carries the single-use token for the mail, encrypted for
// the notification function alone; the user service keeps only the
// token's SHA-256, and the token is worthless after ExpiresAt or once a
// newer reset replaces it. Version 2: the contact is sealed and the token
// encrypted.
type UserPasswordReset struct {
	UserID    string          `json:"userId"`
	Contact   Sealed[Contact] `json:"contact"`
	Token     Secret          `json:"token"`
	ExpiresAt time.Time       `json:"expiresAt"`
}

// EventType implements [Payload].
func (UserPasswordReset) EventType() string { return TypeUserPasswordReset }

// UserForgotten is published when a user asked to be forgotten and was:
// their state and data key are gone, so their sealed contact, wherever it
// is, opens to nothing. Whatever keeps anything of the user purges it.
type UserForgotten struct {
	UserID string `json:"userId"`
}

// EventType implements [Payload].
func (UserForgotten) EventType() string { return TypeUserForgotten }

// Money is an amount: a whole number of the currency's minor unit (cents
// for USD and EUR), and the ISO 4217 currency.
type Money struct {
	AmountMinor int64  `json:"amountMinor"`
	Currency    string `json:"currency"`
}

// LineItem is one line of an order: so many of an item at its unit price.
type LineItem struct {
	SKU       string `json:"sku"`
	Quantity  int    `json:"quantity"`
	UnitPrice Money  `json:"unitPrice"`
}

// OrderPlaced is published when a customer places an order; it is the
// first event of stream order-<orderId>. Version 2: every amount is Money.
// Version 3: the customer's contact is sealed.
type OrderPlaced struct {
	OrderID  string     `json:"orderId"`
	Customer Person     `json:"customer"`
	Items    []LineItem `json:"items"`
	Total    Money      `json:"total"`
}

// EventType implements [Payload].
func (OrderPlaced) EventType() string { return TypeOrderPlaced }

// OrderCancelled is published when a placed order is cancelled; an order
// is cancelled at most once. Version 2: the customer's contact is sealed,
// and the total is Money.
type OrderCancelled struct {
	OrderID  string `json:"orderId"`
	Customer Person `json:"customer"`
	Reason   string `json:"reason,omitempty"`
	Total    Money  `json:"total"`
}

// EventType implements [Payload].
func (OrderCancelled) EventType() string { return TypeOrderCancelled }

// OrderShipped is published when a placed order is handed to a carrier;
// an order ships at most once, and a shipped order is not cancelled.
// Version 2: the customer's contact is sealed.
type OrderShipped struct {
	OrderID        string `json:"orderId"`
	Customer       Person `json:"customer"`
	Carrier        string `json:"carrier"`
	TrackingNumber string `json:"trackingNumber"`
}

// EventType implements [Payload].
func (OrderShipped) EventType() string { return TypeOrderShipped }

// NotificationSent records that a mail went out, caused by the event it
// answers, so that a flow's whole chain is in the event store. It names
// the recipient by user id, not by address. Version 2: the template is
// any mail's name, not one of a list.
type NotificationSent struct {
	Template  string `json:"template"`
	UserID    string `json:"userId"`
	Subject   string `json:"subject"`
	MessageID string `json:"messageId"`
}

// EventType implements [Payload].
func (NotificationSent) EventType() string { return TypeNotificationSent }

// Reasons a recipient is suppressed.
const (
	SuppressedForBounce    = "bounce"
	SuppressedForComplaint = "complaint"
)

// NotificationSuppressed records that no mail goes to a user any more:
// SES reported that a mail to them bounced for good, or that they
// complained of one. It is the first event of stream
// suppression-<userId>, and names the user by id, not by address.
type NotificationSuppressed struct {
	UserID string `json:"userId"`
	// Reason is SuppressedForBounce or SuppressedForComplaint.
	Reason string `json:"reason"`
	// Detail is SES's bounce subtype or complaint feedback type.
	Detail string `json:"detail,omitempty"`
	// MessageID is SES's id of the mail.
	MessageID string `json:"messageId"`
}

// EventType implements [Payload].
func (NotificationSuppressed) EventType() string { return TypeNotificationSuppressed }
