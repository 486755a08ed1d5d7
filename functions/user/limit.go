package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/eventshop/eventshop/functions/internal/failure"
)

// The password reset limit of a user: at most one reset a minute, and at
// most five in any hour. A reset mails whoever the address belongs to, so
// the limit bounds what one caller can make eventshop send one person. It
// is enforced by the conditional write that records a reset (see
// Store.StartReset), so that requests at once cannot pass it together.
const (
	resetSpacing    = time.Minute
	resetWindow     = time.Hour
	resetsPerWindow = 5
)

// resetWait returns how long a user must wait before another reset, given
// the times of their recent ones, oldest first; zero if they need not.
func resetWait(recent []time.Time, now time.Time) time.Duration {
	recent = inWindow(recent, now)
	var wait time.Duration
	if n := len(recent); n > 0 {
		wait = recent[n-1].Add(resetSpacing).Sub(now)
	}
	if len(recent) >= resetsPerWindow {
		wait = max(wait, recent[len(recent)-resetsPerWindow].Add(resetWindow).Sub(now))
	}
	return max(wait, 0)
}

// inWindow keeps the times within the last resetWindow, at most the last
// resetsPerWindow: all that the limit needs to remember.
func inWindow(times []time.Time, now time.Time) []time.Time {
	i := slices.IndexFunc(times, func(t time.Time) bool { return now.Sub(t) < resetWindow })
	if i < 0 {
		return nil
	}
	times = times[i:]
	return slices.Clone(times[max(0, len(times)-resetsPerWindow):])
}

// errTooManyResets is the 429 of a reset asked for too soon.
func errTooManyResets(wait time.Duration) error {
	return &failure.Error{Kind: failure.TooManyRequests, RetryAfter: wait,
		Message: fmt.Sprintf("a user may start one password reset a minute and %d an hour; try again in %d s",
			resetsPerWindow, int(wait.Round(time.Second)/time.Second)+1)}
}
