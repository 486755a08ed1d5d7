package idempotency

import (
	"context"
	"time"
)

// State is what a claim found.
type State int

const (
	// Claimed: nobody handled the key yet; the caller holds it for the
	// lease and must Complete or Release it.
	Claimed State = iota + 1
	// Done: the key was handled before; Result says how.
	Done
	// Busy: someone else holds a live claim on the key.
	Busy
)

// Claim is the outcome of Begin.
type Claim struct {
	State  State
	Result string // for Done
}

// Store records which keys were handled: the port that every
// implementation's contract suite (idempotencytest) holds to, and of which
// the consumer declares what it uses. Implementations are safe for
// concurrent use, and of concurrent Begins on one key, at most one returns
// Claimed while the claim lives.
type Store interface {
	// Begin claims key for lease, unless it is done or claimed by someone
	// else whose lease has not run out.
	Begin(ctx context.Context, key string, lease time.Duration) (Claim, error)
	// Complete records that key was handled, with a result that later
	// Begins return, kept for at least keep.
	Complete(ctx context.Context, key, result string, keep time.Duration) error
	// Release gives up a claim that failed, so that a retry may claim the
	// key at once. Releasing a key that is done changes nothing.
	Release(ctx context.Context, key string) error
}
