// Package idempotencytest is the contract every idempotency store must
// satisfy, as one suite that any implementation's tests run.
package idempotencytest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/functions/internal/idempotency"
)

// Run runs the contract against stores made by newStore.
func Run(t *testing.T, newStore func(t *testing.T) idempotency.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s idempotency.Store)
	}{
		{"a new key is claimed, then done with its result", claimThenDone},
		{"of concurrent claims on a key exactly one succeeds", concurrentClaims},
		{"a released claim can be taken again at once", released},
		{"a claim whose lease ran out can be taken again", expired},
		{"releasing a done key keeps it done", releaseDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newStore(t)) })
	}
}

func claimThenDone(t *testing.T, s idempotency.Store) {
	ctx, key := context.Background(), uuid.NewString()
	expect(t, s, key, time.Minute, idempotency.Claimed)
	expect(t, s, key, time.Minute, idempotency.Busy)
	must(t, s.Complete(ctx, key, "sent msg-1", time.Hour))
	c, err := s.Begin(ctx, key, time.Minute)
	must(t, err)
	if c.State != idempotency.Done || c.Result != "sent msg-1" {
		t.Errorf("claim after completion = %+v", c)
	}
}

func concurrentClaims(t *testing.T, s idempotency.Store) {
	key := uuid.NewString()
	const n = 8
	states := make([]idempotency.State, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := s.Begin(context.Background(), key, time.Minute)
			if err == nil {
				states[i] = c.State
			}
		})
	}
	wg.Wait()
	claimed := 0
	for _, st := range states {
		if st == idempotency.Claimed {
			claimed++
		} else if st != idempotency.Busy {
			t.Errorf("a claim returned state %d", st)
		}
	}
	if claimed != 1 {
		t.Errorf("%d claims succeeded, want 1", claimed)
	}
}

func released(t *testing.T, s idempotency.Store) {
	key := uuid.NewString()
	expect(t, s, key, time.Minute, idempotency.Claimed)
	must(t, s.Release(context.Background(), key))
	expect(t, s, key, time.Minute, idempotency.Claimed)
}

func expired(t *testing.T, s idempotency.Store) {
	key := uuid.NewString()
	expect(t, s, key, 50*time.Millisecond, idempotency.Claimed)
	time.Sleep(100 * time.Millisecond)
	expect(t, s, key, time.Minute, idempotency.Claimed)
}

func releaseDone(t *testing.T, s idempotency.Store) {
	ctx, key := context.Background(), uuid.NewString()
	expect(t, s, key, time.Minute, idempotency.Claimed)
	must(t, s.Complete(ctx, key, "ok", time.Hour))
	must(t, s.Release(ctx, key))
	expect(t, s, key, time.Minute, idempotency.Done)
}

func expect(t *testing.T, s idempotency.Store, key string, lease time.Duration, want idempotency.State) {
	t.Helper()
	c, err := s.Begin(context.Background(), key, lease)
	must(t, err)
	if c.State != want {
		t.Errorf("Begin(%s) = state %d, want %d", key, c.State, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
