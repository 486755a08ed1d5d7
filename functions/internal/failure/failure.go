package failure

import (
	"errors"
	"fmt"
	"time"
)

// Kind is the class of a failure: what the caller can do about it. A
// transport maps each kind to its own status in one place.
type Kind int

const (
	// Internal is any failure not classified otherwise: the caller cannot fix it.
	Internal Kind = iota
	// Invalid means the request itself is wrong; Field names what.
	Invalid
	// NotFound means the addressed resource does not exist.
	NotFound
	// Conflict means the request clashes with the current state, such as a
	// duplicate or a concurrent change.
	Conflict
	// Unprocessable means the request is well formed but refers to
	// something that makes it impossible, such as an unknown user.
	Unprocessable
	// TooLarge means the request is bigger than the service accepts.
	TooLarge
	// UnsupportedMediaType means the request's body is in a format or
	// encoding the service does not read; Field names the header at fault.
	UnsupportedMediaType
	// MethodNotAllowed means the path exists but not with the request's
	// method; Allow lists those it takes.
	MethodNotAllowed
	// TooManyRequests means the caller asked too often; RetryAfter says
	// when they may again.
	TooManyRequests
)

// Error is a classified failure with a message meant for the caller.
type Error struct {
	Kind    Kind
	Field   string // the request field at fault, if any
	Message string
	// Allow lists the methods a path takes, for MethodNotAllowed.
	Allow []string
	// RetryAfter is how long the caller should wait, for
	// TooManyRequests.
	RetryAfter time.Duration
}

// Error is the message, after the field if there is one.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// InvalidField reports a bad request field.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// New returns a failure of the given kind.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Of returns the first *Error in err's chain, or an Internal failure
// with no message for the caller if there is none.
func Of(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal}
}
