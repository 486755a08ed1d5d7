package idempotency

import (
	"context"
	"sync"
	"time"
)

// Memory is a Store in process memory, for tests. It forgets a done key
// once its keep has passed, as DynamoDB's time to live does some time
// after.
type Memory struct {
	mu   sync.Mutex
	keys map[string]entry
	now  func() time.Time
}

type entry struct {
	done       bool
	result     string
	leaseUntil time.Time // while in progress
	expiresAt  time.Time // once done
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{keys: map[string]entry{}, now: time.Now} }

var _ Store = (*Memory)(nil)

// Begin implements Store.
func (m *Memory) Begin(_ context.Context, key string, lease time.Duration) (Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.keys[key]
	if ok && e.done && !m.now().Before(e.expiresAt) {
		ok = false
	}
	switch {
	case ok && e.done:
		return Claim{State: Done, Result: e.result}, nil
	case ok && m.now().Before(e.leaseUntil):
		return Claim{State: Busy}, nil
	}
	m.keys[key] = entry{leaseUntil: m.now().Add(lease)}
	return Claim{State: Claimed}, nil
}

// Complete implements Store.
func (m *Memory) Complete(_ context.Context, key, result string, keep time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[key] = entry{done: true, result: result, expiresAt: m.now().Add(keep)}
	return nil
}

// Release implements Store.
func (m *Memory) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.keys[key]; ok && !e.done {
		delete(m.keys, key)
	}
	return nil
}
