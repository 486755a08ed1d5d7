package backoff_test

import (
	"context"
	"testing"
	"time"

	"github.com/eventshop/eventshop/backoff"
)

func TestJitteredDelaysGrowUpToTheCeilingAndVary(t *testing.T) {
	next := backoff.Jittered(100*time.Millisecond, time.Second)
	for n, bound := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 40: time.Second} {
		for range 100 {
			if d := next(n); d <= 0 || d > bound {
				t.Fatalf("retry %d waits %v, want (0, %v]", n, d, bound)
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[next(3)] = true
	}
	if len(seen) < 2 {
		t.Error("50 delays for the same retry were all equal: no jitter")
	}
}

func TestWaitGivesUpRatherThanRunIntoTheDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if backoff.Wait(ctx, 10*time.Millisecond, time.Second) {
		t.Error("waited although the deadline is closer than the wait and the margin")
	}
	if !backoff.Wait(ctx, 10*time.Millisecond, 100*time.Millisecond) {
		t.Error("did not wait although the deadline leaves room")
	}
	cancel()
	if backoff.Wait(ctx, time.Hour, 0) {
		t.Error("waited on a context that had ended")
	}
}
