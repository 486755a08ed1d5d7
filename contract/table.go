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

// The user service's table: one item per user and one per email taken.
const UsersKey = "pk"

// The customers table of the order service, keyed by user id.
const CustomersKey = "userId"

// The idempotency table of the consumers.
const (
	IdempotencyKey = "pk"
	// IdempotencyExpiry is the table's time to live: DynamoDB deletes an
	// item some time after this epoch second.
	IdempotencyExpiry = "expiresAt"
)
