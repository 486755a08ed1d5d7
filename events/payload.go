package events

import "time"

// Sources name the service that publishes an event; EventBridge rules and
// IAM conditions match on them.
const (
	SourceUser         = "eventshop.user"
	SourceOrder        = "eventshop.order"
	SourceNotification = "eventshop.notification"
	SourcePayment      = "eventshop.payment"
	SourceInventory    = "eventshop.inventory"
)

// Event types, named <aggregate>.<pastTense>.
const (
	TypeUserRegistered         = "user.registered"
	TypeUserPasswordReset      = "user.passwordReset"
	TypeUserForgotten          = "user.forgotten"
	TypeOrderPlaced            = "order.placed"
	TypeOrderCancelled         = "order.cancelled"
	TypeOrderShipped           = "order.shipped"
	TypeOrderPaymentAuthorized = "order.paymentAuthorized"
	TypeOrderStockReserved     = "order.stockReserved"
	TypeOrderConfirmed         = "order.confirmed"
	TypeOrderRejected          = "order.rejected"
	TypeOrderExpired           = "order.expired"
	TypePaymentAuthorized      = "payment.authorized"
	TypePaymentDeclined        = "payment.declined"
	TypePaymentVoided          = "payment.voided"
	TypePaymentRefunded        = "payment.refunded"
	TypeStockReserved          = "stock.reserved"
	TypeStockRejected          = "stock.rejected"
	TypeStockReleased          = "stock.released"
	TypeStockSold              = "stock.sold"
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
// first event of stream order-<orderId>, and starts the checkout: the
// payment service authorizes the total with PaymentMethod while the
// inventory service reserves the items. Version 2: every amount is Money.
// Version 3: the customer's contact is sealed; later, the optional
// payment method (an order placed before it has none, and is declined).
type OrderPlaced struct {
	OrderID       string     `json:"orderId"`
	Customer      Person     `json:"customer"`
	Items         []LineItem `json:"items"`
	Total         Money      `json:"total"`
	PaymentMethod string     `json:"paymentMethod,omitempty"`
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

// Reasons an order is rejected: the RejectionReason of order.rejected.
const (
	RejectedPaymentDeclined    = "payment_declined"
	RejectedOutOfStock         = "out_of_stock"
	RejectedPaymentUnavailable = "payment_unavailable"
)

// OrderPaymentAuthorized records in an order's stream that its payment
// was authorized (payment.authorized): one half of what confirms it.
type OrderPaymentAuthorized struct {
	OrderID         string `json:"orderId"`
	AuthorizationID string `json:"authorizationId"`
}

// EventType implements [Payload].
func (OrderPaymentAuthorized) EventType() string { return TypeOrderPaymentAuthorized }

// OrderStockReserved records in an order's stream that its items were
// reserved (stock.reserved): the other half of what confirms it.
type OrderStockReserved struct {
	OrderID string `json:"orderId"`
}

// EventType implements [Payload].
func (OrderStockReserved) EventType() string { return TypeOrderStockReserved }

// OrderConfirmed is published once an order's payment is authorized and
// its items reserved, whichever came first: the authorization is the
// order's to keep, the stock is sold. An order is confirmed at most once,
// and never after it was rejected or expired.
type OrderConfirmed struct {
	OrderID  string     `json:"orderId"`
	Customer Person     `json:"customer"`
	Items    []LineItem `json:"items"`
	Total    Money      `json:"total"`
}

// EventType implements [Payload].
func (OrderConfirmed) EventType() string { return TypeOrderConfirmed }

// OrderRejected is published when a placed order cannot be completed:
// the payment was declined or could not be taken, or an item is out of
// stock. It asks the payment and inventory services to undo what they did
// for the order (void, release).
type OrderRejected struct {
	OrderID  string `json:"orderId"`
	Customer Person `json:"customer"`
	// Reason is RejectedPaymentDeclined, RejectedOutOfStock or
	// RejectedPaymentUnavailable.
	Reason string `json:"reason"`
	// SKU names the item that was short, for RejectedOutOfStock.
	SKU   string `json:"sku,omitempty"`
	Total Money  `json:"total"`
}

// EventType implements [Payload].
func (OrderRejected) EventType() string { return TypeOrderRejected }

// OrderExpired is published when a placed order was neither confirmed nor
// rejected within its deadline. Like order.rejected, it asks the payment
// and inventory services to undo what they did for the order.
type OrderExpired struct {
	OrderID  string `json:"orderId"`
	Customer Person `json:"customer"`
	Total    Money  `json:"total"`
}

// EventType implements [Payload].
func (OrderExpired) EventType() string { return TypeOrderExpired }

// Reasons a payment is declined: the Reason of payment.declined.
const (
	DeclinedByProvider  = "declined"
	ProviderUnavailable = "unavailable"
)

// PaymentAuthorized is published when the payment provider authorized an
// order's total: the first event of stream payment-<orderId>.
type PaymentAuthorized struct {
	OrderID         string `json:"orderId"`
	AuthorizationID string `json:"authorizationId"`
	Amount          Money  `json:"amount"`
}

// EventType implements [Payload].
func (PaymentAuthorized) EventType() string { return TypePaymentAuthorized }

// PaymentDeclined is published when an order's total could not be
// authorized: the provider declined it, or could not be reached in time.
type PaymentDeclined struct {
	OrderID string `json:"orderId"`
	Amount  Money  `json:"amount"`
	// Reason is DeclinedByProvider or ProviderUnavailable.
	Reason string `json:"reason"`
}

// EventType implements [Payload].
func (PaymentDeclined) EventType() string { return TypePaymentDeclined }

// PaymentVoided is published when an order that ended without being
// confirmed (rejected or expired) no longer holds a payment: its
// authorization, if it had one, was voided, and none will be taken.
type PaymentVoided struct {
	OrderID string `json:"orderId"`
	// AuthorizationID is empty when there was nothing to void: the order
	// ended before its payment was taken, and none will be.
	AuthorizationID string `json:"authorizationId,omitempty"`
	Amount          Money  `json:"amount"`
}

// EventType implements [Payload].
func (PaymentVoided) EventType() string { return TypePaymentVoided }

// PaymentRefunded is published when a confirmed order was cancelled and
// its payment given back.
type PaymentRefunded struct {
	OrderID         string `json:"orderId"`
	AuthorizationID string `json:"authorizationId"`
	Amount          Money  `json:"amount"`
}

// EventType implements [Payload].
func (PaymentRefunded) EventType() string { return TypePaymentRefunded }

// StockLine is so many of an item, held for or given back by an order.
type StockLine struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// StockReserved is published when every line of an order was reserved,
// in one transaction: the first event of stream stock-<orderId>.
type StockReserved struct {
	OrderID string      `json:"orderId"`
	Items   []StockLine `json:"items"`
}

// EventType implements [Payload].
func (StockReserved) EventType() string { return TypeStockReserved }

// StockRejected is published when an order's lines could not all be
// reserved, so none was: SKU names an item with less available than the
// order asks.
type StockRejected struct {
	OrderID string `json:"orderId"`
	SKU     string `json:"sku"`
}

// EventType implements [Payload].
func (StockRejected) EventType() string { return TypeStockRejected }

// StockSold is published when the reserved items of a confirmed order
// were sold.
type StockSold struct {
	OrderID string      `json:"orderId"`
	Items   []StockLine `json:"items"`
}

// EventType implements [Payload].
func (StockSold) EventType() string { return TypeStockSold }

// StockReleased is published when what an order held was given back to
// the available stock: its reservation, on rejection or expiry, or what
// it bought, once a confirmed order was cancelled. Items is empty when
// the order ended before anything was reserved, and nothing will be.
type StockReleased struct {
	OrderID string      `json:"orderId"`
	Items   []StockLine `json:"items"`
}

// EventType implements [Payload].
func (StockReleased) EventType() string { return TypeStockReleased }

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
