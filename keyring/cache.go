package keyring

import (
	"context"
	"sync"
)

// cache holds the keys one invocation read, and the subjects it found
// forgotten.
type cache struct {
	mu   sync.Mutex
	keys map[string]cached
}

type cached struct {
	key *Key
	err error
}

type cacheKey struct{}

// WithCache returns a context in which a keyring reads each subject's key
// once: a Lambda invocation's, so that a batch of messages costs one KMS
// call per person in it. The keys live as long as the context is used;
// none outlives the invocation, so that a subject forgotten meanwhile is
// forgotten by the next.
func WithCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, &cache{keys: map[string]cached{}})
}

func cacheOf(ctx context.Context) *cache {
	c, _ := ctx.Value(cacheKey{}).(*cache)
	return c
}

func (c *cache) get(subject string) (*Key, error, bool) {
	if c == nil {
		return nil, nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.keys[subject]
	return v.key, v.err, ok
}

func (c *cache) put(subject string, k *Key, err error) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys[subject] = cached{key: k, err: err}
}
