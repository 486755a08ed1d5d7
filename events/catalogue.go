package events

import (
	"fmt"
	"slices"
	"strings"
)

// Definition is one event type of the catalogue: everything about it that
// producers, readers, the stack and the documents need.
type Definition struct {
	// Type is the event type, also the EventBridge detail-type.
	Type string
	// Source is the only service allowed to publish the type.
	Source string
	// Summary says in a sentence what happened, for the documents.
	Summary string
	// Payload is the zero value of the latest version's payload struct.
	Payload Payload
	// Versions are the type's versions, oldest first. The last is what
	// this build publishes; each other has an upcaster to the next.
	Versions []Version
}

// Version is one version of an event type. Its schema is
// schemas/<type>.v<N>.json and its sample testdata/<type>.v<N>.json.
type Version struct {
	Number int
	// Upcast turns this version's data into the next version's; it is
	// nil for the latest.
	Upcast func(data []byte) ([]byte, error)
}

// catalogue lists every event type eventshop knows. Keep it sorted by type.
var catalogue = []Definition{
	{Type: TypeNotificationSent, Source: SourceNotification, Payload: NotificationSent{},
		Summary:  "A mail went out, caused by the event it answers.",
		Versions: []Version{{Number: 1, Upcast: unchanged}, {Number: 2}}},
	{Type: TypeNotificationSuppressed, Source: SourceNotification, Payload: NotificationSuppressed{},
		Summary:  "No mail goes to a user any more: one bounced for good, or they complained.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeOrderCancelled, Source: SourceOrder, Payload: OrderCancelled{},
		Summary:  "A placed order was cancelled.",
		Versions: []Version{{Number: 1, Upcast: upcast(orderCancelledV1ToV2)}, {Number: 2}}},
	{Type: TypeOrderConfirmed, Source: SourceOrder, Payload: OrderConfirmed{},
		Summary:  "A placed order was confirmed: its payment authorized and its items reserved. The confirmation mail goes.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeOrderExpired, Source: SourceOrder, Payload: OrderExpired{},
		Summary:  "A placed order was neither confirmed nor rejected within its deadline; what was done for it is undone.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeOrderPaymentAuthorized, Source: SourceOrder, Payload: OrderPaymentAuthorized{},
		Summary:  "The order learned that its payment was authorized: one half of its confirmation.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeOrderPlaced, Source: SourceOrder, Payload: OrderPlaced{},
		Summary: "A customer placed an order.",
		Versions: []Version{{Number: 1, Upcast: upcast(orderPlacedV1ToV2)}, {Number: 2, Upcast: upcast(orderPlacedV2ToV3)},
			{Number: 3}}},
	{Type: TypeOrderRejected, Source: SourceOrder, Payload: OrderRejected{},
		Summary:  "A placed order could not be completed (payment declined or unavailable, or out of stock); what was done for it is undone.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeOrderShipped, Source: SourceOrder, Payload: OrderShipped{},
		Summary:  "A placed order was handed to a carrier.",
		Versions: []Version{{Number: 1, Upcast: upcast(orderShippedV1ToV2)}, {Number: 2}}},
	{Type: TypeOrderStockReserved, Source: SourceOrder, Payload: OrderStockReserved{},
		Summary:  "The order learned that its items were reserved: the other half of its confirmation.",
		Versions: []Version{{Number: 1}}},
	{Type: TypePaymentAuthorized, Source: SourcePayment, Payload: PaymentAuthorized{},
		Summary:  "The payment provider authorized an order's total.",
		Versions: []Version{{Number: 1}}},
	{Type: TypePaymentDeclined, Source: SourcePayment, Payload: PaymentDeclined{},
		Summary:  "An order's total could not be authorized: declined, or the provider could not be reached.",
		Versions: []Version{{Number: 1}}},
	{Type: TypePaymentRefunded, Source: SourcePayment, Payload: PaymentRefunded{},
		Summary:  "A confirmed order was cancelled and its payment given back.",
		Versions: []Version{{Number: 1}}},
	{Type: TypePaymentVoided, Source: SourcePayment, Payload: PaymentVoided{},
		Summary:  "An order that ended unconfirmed holds no payment: its authorization, if any, was voided.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeStockRejected, Source: SourceInventory, Payload: StockRejected{},
		Summary:  "An order's items could not all be reserved, so none was; names the item that was short.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeStockReleased, Source: SourceInventory, Payload: StockReleased{},
		Summary:  "What an order held was given back to the available stock.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeStockReserved, Source: SourceInventory, Payload: StockReserved{},
		Summary:  "Every line of an order was reserved, all or none.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeStockSold, Source: SourceInventory, Payload: StockSold{},
		Summary:  "The reserved items of a confirmed order were sold.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeUserForgotten, Source: SourceUser, Payload: UserForgotten{},
		Summary:  "A user asked to be forgotten, and was: their data key and state are gone.",
		Versions: []Version{{Number: 1}}},
	{Type: TypeUserPasswordReset, Source: SourceUser, Payload: UserPasswordReset{},
		Summary:  "A user asked to reset their password.",
		Versions: []Version{{Number: 1, Upcast: upcast(userPasswordResetV1ToV2)}, {Number: 2}}},
	{Type: TypeUserRegistered, Source: SourceUser, Payload: UserRegistered{},
		Summary:  "A user registered.",
		Versions: []Version{{Number: 1, Upcast: upcast(userRegisteredV1ToV2)}, {Number: 2}}},
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

// Latest is the version this build publishes.
func (d Definition) Latest() int { return d.Versions[len(d.Versions)-1].Number }

// Knows says whether version is one of the type's.
func (d Definition) Knows(version int) bool { return version >= 1 && version <= d.Latest() }

// SchemaFile names the schema of one of the type's versions.
func (d Definition) SchemaFile(version int) string {
	return fmt.Sprintf("%s.v%d.json", d.Type, version)
}

// SampleFile names the sample envelope of one of the type's versions,
// in testdata/.
func (d Definition) SampleFile(version int) string {
	return fmt.Sprintf("%s.v%d.json", d.Type, version)
}
