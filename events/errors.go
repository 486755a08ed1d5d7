package events

import "errors"

var (
	// ErrInvalid is wrapped by every error about a malformed envelope or
	// payload. Such an event can never be processed: it is a permanent failure.
	ErrInvalid = errors.New("invalid event")
	// ErrUnknownType means the event type is not in the catalogue.
	ErrUnknownType = errors.New("unknown event type")
	// ErrUnknownVersion means the event type is known, its version is not.
	ErrUnknownVersion = errors.New("unknown event version")
)

// InvalidError says which field of an envelope broke the schema and why.
// Field is a dotted path such as "data.email"; it is empty when the
// document as a whole is unreadable.
type InvalidError struct {
	Field  string
	Reason string
}

// Error says which field is invalid and why.
func (e *InvalidError) Error() string {
	if e.Field == "" {
		return "invalid event: " + e.Reason
	}
	return "invalid event: " + e.Field + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Unwrap() error { return ErrInvalid }
