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

func TestEqualDelaysStayWithinHalfAndAllOfTheirBound(t *testing.T) {
	next := backoff.EqualJitter(2*time.Second, 60*time.Second)
	for n, want := range map[int][2]time.Duration{1: {time.Second, 2 * time.Second}, 3: {4 * time.Second, 8 * time.Second}, 10: {30 * time.Second, 60 * time.Second}} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := next(n)
			if d < want[0] || d > want[1] {
				t.Fatalf("retry %d waits %v, want %v", n, d, want)
			}
			seen[d] = true
		}
		if len(seen) < 3 {
			t.Errorf("retry %d took %d distinct delays in 200 draws: no jitter", n, len(seen))
		}
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
