package contract

// The event store table: one item per event, keyed by stream and version,
// its envelope kept verbatim as JSON.
const (
	// EventStreamID is the partition key (string): order-<orderId>, …
	EventStreamID = "streamId"
	// EventVersion is the sort key (number), from 1 without gaps.
	EventVersion = "version"
	// EventEnvelope is the envelope's JSON, exactly as published.
	EventEnvelope = "envelope"
	// EventID, EventType, EventCorrelationID and EventTimestamp copy the
	// envelope's, for the index and for what reads an item without its
	// envelope.
	EventID            = "eventId"
	EventType          = "eventType"
	EventCorrelationID = "correlationId"
	EventTimestamp     = "timestamp"
	// CorrelationIndex is the global secondary index keyed by
	// EventCorrelationID and sorted by EventTimestamp: a flow's events.
	CorrelationIndex = "byCorrelation"
)

// Stream is a kind of event store stream, named by its prefix: a stream
// is the prefix and an aggregate's id, such as user-<userId>. Roles are
// limited to the prefixes of their functions' streams.
type Stream string

// The kinds of stream.
const (
	// UserStream holds a user's events: user-<userId>.
	UserStream Stream = "user-"
	// OrderStream holds an order's events: order-<orderId>.
	OrderStream Stream = "order-"
	// NotificationStream holds the record of the mail an event caused:
	// notification-<eventId>.
	NotificationStream Stream = "notification-"
	// SuppressionStream holds why no mail goes to a user any more — their
	// mail bounced, or they complained: suppression-<userId>.
	SuppressionStream Stream = "suppression-"
	// PaymentStream holds what the payment service did for an order:
	// payment-<orderId>.
	PaymentStream Stream = "payment-"
	// StockStream holds what the inventory service did for an order:
	// stock-<orderId>.
	StockStream Stream = "stock-"
)

// ID is the stream of the aggregate with the id: UserStream.ID(u) is
// user-<u>.
func (s Stream) ID(id string) string { return string(s) + id }

// The user service's table: one item per user and one per email taken.
const UsersKey = "pk"

// The customers table of the order service, keyed by user id.
const (
	CustomersKey = "userId"
	// CustomersContact is a customer's sealed contact, as JSON.
	CustomersContact = "contact"
	// CustomersForgotten is true on the tombstone of a forgotten user,
	// which holds nothing else.
	CustomersForgotten = "forgotten"
)

// The stock table of the inventory service: one item per SKU, whose
// quantities only ever move between available, reserved and sold, but for
// PUT /stock/{sku}, which sets what is available.
const (
	StockKey       = "sku"
	StockAvailable = "available"
	StockReserved  = "reserved"
	StockSold      = "sold"
)

// The keys table: one item per user, holding the user's data key wrapped
// by the personal data KMS key, and one for the key of the email index.
const (
	// KeysSubject is the partition key: the user id, or IndexKeySubject.
	KeysSubject = "subject"
	// KeysWrapped is the data key as KMS encrypted it (binary).
	KeysWrapped = "wrappedKey"
	// IndexKeySubject is the item of the key that blinds the users
	// table's email reservations.
	IndexKeySubject = "eventshop:email-index"
)

// The idempotency table of the consumers.
const (
	IdempotencyKey = "pk"
	// IdempotencyExpiry is the table's time to live: DynamoDB deletes an
	// item some time after this epoch second.
	IdempotencyExpiry = "expiresAt"
)

// The KMS encryption context of every data key and secret: what it is for
// and whom it is about. KMS checks it on Decrypt and CloudTrail logs it;
// the stack's grants hold each function to its purposes.
const (
	KMSContextPurpose = "eventshop:purpose"
	KMSContextSubject = "eventshop:subject"
	// PurposePersonalData wraps a user's data key.
	PurposePersonalData = "personal-data"
	// PurposeEmailIndex wraps the key of the users table's email index.
	PurposeEmailIndex = "email-index"
	// PurposePasswordReset encrypts a password reset token.
	PurposePasswordReset = "password-reset"
)
