package consumer

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
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
		return awsretry.IsErrorRetryables(awsretry.DefaultRetryables).IsErrorRetryable(err) != aws.TrueTernary
	}
	return false
}

// afterEffectError marks the failure of a follow-up to an effect that is
// done.
type afterEffectError struct{ err error }

func (e afterEffectError) Error() string { return e.err.Error() }
func (e afterEffectError) Unwrap() error { return e.err }

// AfterEffect marks err as the failure of a follow-up to an effect that
// is done — the record of a mail that was sent, say — so that retrying
// the event would do the effect twice. The consumer then completes the
// event with the handler's result and acknowledges it, never handling it
// again, but logs err at ERROR level with outcome follow-up-failed and
// counts it as FollowUpsFailed, for an alarm: the follow-up is left to a
// person. A handler should retry the follow-up briefly itself first.
func AfterEffect(err error) error {
	if err == nil {
		return nil
	}
	return afterEffectError{err}
}
