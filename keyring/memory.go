package keyring

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
)

// Memory keeps data keys in the process, with the contract of [Keyring]
// but no KMS: for tests. It is safe for concurrent use.
type Memory struct {
	mu    sync.Mutex
	keys  map[string]*Key
	index []byte
	reads int // keys read past the cache, as KMS counts Decrypt calls
}

var _ Keys = (*Memory)(nil)

// NewMemory returns a keyring with no keys.
func NewMemory() *Memory {
	return &Memory{keys: map[string]*Key{}, index: random(32)}
}

// New makes a data key for a new subject, and keeps nothing; see Keep.
func (m *Memory) New(_ context.Context, subject string) (*Key, error) {
	return newKey(subject, random(32), nil)
}

// Import makes the key of a subject from its 32 bytes and keeps it, for
// tests of data sealed before they ran (the catalogue's samples).
func (m *Memory) Import(subject string, plaintext []byte) (*Key, error) {
	k, err := newKey(subject, plaintext, nil)
	if err != nil {
		return nil, err
	}
	m.Keep(k)
	return k, nil
}

// Keep keeps k, as Keyring.Put does.
func (m *Memory) Keep(k *Key) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[k.subject] = k
}

// Delete forgets a subject, as Keyring.Delete does.
func (m *Memory) Delete(subject string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, subject)
}

// Key returns the subject's key, as Keyring.Key does, cache included.
func (m *Memory) Key(ctx context.Context, subject string) (*Key, error) {
	return cachedKey(ctx, subject, func() (*Key, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.reads++
		if k, ok := m.keys[subject]; ok {
			return k, nil
		}
		return nil, fmt.Errorf("%w: %s", ErrForgotten, subject)
	})
}

// Reads counts the keys read past the cache.
func (m *Memory) Reads() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reads
}

// Blind returns a keyed hash of value, as Keyring.Blind does.
func (m *Memory) Blind(_ context.Context, value string) (string, error) {
	return blind(m.index, value), nil
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
