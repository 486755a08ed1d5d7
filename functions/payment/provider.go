package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/eventshop/eventshop/events"
)

// Provider is a payment provider. Every call names the order it is for,
// which the provider takes as its idempotency key: asking twice does
// what asking once does, so a call whose answer was lost may be made
// again. It is safe for concurrent use.
type Provider interface {
	// Authorize holds amount on the payment method for the order, and
	// returns the authorization's id: the same one however often it is
	// asked. It returns an error wrapping ErrDeclined if the provider
	// refuses, or ErrUnavailable if it answered that it cannot take the
	// request now, both meaning that nothing was authorized. Any other
	// error, such as a timeout, leaves the outcome unknown.
	Authorize(ctx context.Context, orderID string, amount events.Money, method string) (authorizationID string, err error)
	// Void lets go of the order's authorization, if it has one: voiding
	// an order that holds none, or voiding twice, is not an error.
	Void(ctx context.Context, orderID string) error
	// Refund gives back amount taken by the order's authorization;
	// refunding twice gives back once.
	Refund(ctx context.Context, orderID string, amount events.Money) error
}

var (
	// ErrDeclined means the provider refused the payment.
	ErrDeclined = errors.New("the payment was declined")
	// ErrUnavailable means the provider answered that it cannot take
	// the request now.
	ErrUnavailable = errors.New("the payment provider is unavailable")
)

// The payment methods the simulated provider knows.
const (
	MethodOK          = "card_ok"          // authorized
	MethodDeclined    = "card_declined"    // declined
	MethodUnavailable = "card_unavailable" // the provider answers that it is down
	MethodTimeout     = "card_timeout"     // the provider does not answer in time
)

// Simulated is the payment provider eventshop ships: it decides by the
// payment method alone (MethodOK, MethodDeclined, MethodUnavailable,
// MethodTimeout; any other is declined), holds no state, and derives an
// authorization's id from the order's, so that it is idempotent as a
// real provider is on its idempotency key.
type Simulated struct {
	// Timeout is how long a call waits for the provider to answer.
	Timeout time.Duration
}

var _ Provider = Simulated{}

// Authorize implements Provider.
func (s Simulated) Authorize(ctx context.Context, orderID string, _ events.Money, method string) (string, error) {
	switch method {
	case MethodOK:
		sum := sha256.Sum256([]byte(orderID))
		return "auth_" + hex.EncodeToString(sum[:12]), nil
	case MethodUnavailable:
		return "", fmt.Errorf("%w: 503 Service Unavailable", ErrUnavailable)
	case MethodTimeout:
		t := time.NewTimer(s.Timeout)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-t.C:
			return "", fmt.Errorf("the payment provider did not answer within %v", s.Timeout)
		}
	}
	return "", fmt.Errorf("%w: method %q", ErrDeclined, method)
}

// Void implements Provider.
func (Simulated) Void(context.Context, string) error { return nil }

// Refund implements Provider.
func (Simulated) Refund(context.Context, string, events.Money) error { return nil }
