// Package backoff spaces out retries — of a call within a Lambda
// invocation, or of a message's delivery — with delays that grow
// exponentially with full or equal jitter, and a wait that gives up rather
// than run into the invocation's deadline. It is the project's one
// backoff.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Jittered returns the delay before the nth retry: a random duration up
// to base × 2^(n−1), at most ceiling. Full jitter keeps callers that
// failed together from retrying in step.
func Jittered(base, ceiling time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := base << min(max(n-1, 0), 16)
		if d > ceiling || d <= 0 {
			d = ceiling
		}
		return rand.N(d) + 1
	}
}

// EqualJitter returns the delay before the nth retry: base × 2^(n−1), at most
// ceiling, with equal jitter — between half and all of it — for a caller
// that must wait at least some time, such as a message's next delivery.
func EqualJitter(base, ceiling time.Duration) func(n int) time.Duration {
	return func(n int) time.Duration {
		d := base << min(max(n-1, 0), 20)
		if d > ceiling || d <= 0 {
			d = ceiling
		}
		return d/2 + rand.N(d/2+1)
	}
}

// Wait sleeps for d and reports whether it did. It returns false at once
// if ctx has a deadline less than d plus margin away — the margin is left
// to the caller to report what it could not do — and early if ctx ends.
func Wait(ctx context.Context, d, margin time.Duration) bool {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d+margin {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
