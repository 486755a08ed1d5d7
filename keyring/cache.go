package keyring

import (
	"context"
	"errors"
	"sync"
)

// cache holds the keys one invocation read, and the subjects it found
// forgotten: one read per subject, however many messages of a batch ask at
// once.
type cache struct {
	mu   sync.Mutex
	keys map[string]*cached
}

// cached is a subject's key once read; done closes when it is.
type cached struct {
	done chan struct{}
	key  *Key
	err  error
}

type cacheKey struct{}

// WithCache returns a context in which a keyring reads each subject's key
// once: a Lambda invocation's, so that a batch of messages costs one KMS
// call per person in it, even when its messages are handled at once. The
// keys live as long as the context is used; none outlives the invocation,
// so that a subject forgotten meanwhile is forgotten by the next.
func WithCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, cacheKey{}, &cache{keys: map[string]*cached{}})
}

// cachedKey returns the subject's key through ctx's cache, if it has one:
// read reads it once, and callers that ask meanwhile wait for that read.
// A read that failed for another reason than a forgotten subject is not
// kept, so that the next caller tries again.
func cachedKey(ctx context.Context, subject string, read func() (*Key, error)) (*Key, error) {
	c, _ := ctx.Value(cacheKey{}).(*cache)
	if c == nil {
		return read()
	}
	c.mu.Lock()
	e, ok := c.keys[subject]
	if !ok {
		e = &cached{done: make(chan struct{})}
		c.keys[subject] = e
	}
	c.mu.Unlock()
	if ok {
		select {
		case <-e.done:
			return e.key, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e.key, e.err = read()
	if e.err != nil && !errors.Is(e.err, ErrForgotten) {
		c.mu.Lock()
		delete(c.keys, subject)
		c.mu.Unlock()
	}
	close(e.done)
	return e.key, e.err
}
