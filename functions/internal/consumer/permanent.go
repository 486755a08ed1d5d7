package consumer

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/eventshop/eventshop/events"
)

// permanentError marks an error no retry can cure.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as one that no retry can cure: the message goes to
// the dead-letter queue at once, with err as the reason.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent says whether retrying cannot help: the error was marked
// Permanent; or the event is malformed, or of a version this build does
// not know; or an AWS service refused the request as the caller's fault
// (a rejected address, say) and its SDK would not retry it. Anything else
// — throttling, 5xx, timeouts, a lost connection — is worth a retry.
func IsPermanent(err error) bool {
	var p permanentError
	if errors.As(err, &p) || errors.Is(err, events.ErrInvalid) || errors.Is(err, events.ErrUnknownVersion) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient {
		return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) != aws.TrueTernary
	}
	return false
}
