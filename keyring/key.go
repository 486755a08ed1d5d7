package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/eventshop/eventshop/events"
)

// ErrForgotten means the subject's data key is gone: they asked to be
// forgotten, and what was sealed for them opens to nothing.
var ErrForgotten = errors.New("keyring: the subject is forgotten; their data key is gone")

// ErrUnreadable means a sealed value does not open under its subject's
// key: it was altered, sealed for another subject, or is not a sealed
// value at all. It is never worth trying again.
var ErrUnreadable = errors.New("keyring: the sealed value does not open")

// Key is one subject's data key, in clear, in memory only. It is safe for
// concurrent use.
type Key struct {
	subject string
	wrapped []byte // as KMS wrapped it, for the keys table
	aead    cipher.AEAD
}

// newKey makes the Key of a subject from its 32 data key bytes.
func newKey(subject string, plaintext, wrapped []byte) (*Key, error) {
	block, err := aes.NewCipher(plaintext)
	if err != nil {
		return nil, fmt.Errorf("data key of %s: %w", subject, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("data key of %s: %w", subject, err)
	}
	return &Key{subject: subject, wrapped: wrapped, aead: aead}, nil
}

// Subject is the user id whose key it is.
func (k *Key) Subject() string { return k.subject }

// additionalData binds a ciphertext to its subject: moved to another
// subject's data, it does not open.
func (k *Key) additionalData() []byte { return []byte("eventshop sealed v1 subject=" + k.subject) }

// seal returns a fresh 12-byte nonce, the ciphertext and the tag.
func (k *Key) seal(plaintext []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce) // never fails; see crypto/rand
	return k.aead.Seal(nonce, nonce, plaintext, k.additionalData())
}

func (k *Key) open(sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrUnreadable, len(sealed))
	}
	plaintext, err := k.aead.Open(nil, sealed[:n], sealed[n:], k.additionalData())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	return plaintext, nil
}

// Checked is personal data that can check itself against its schema, as
// it must before it is sealed: nothing can look inside it after.
type Checked interface {
	Check() error
}

// Seal checks v and seals its JSON under k, for k's subject.
func Seal[T Checked](k *Key, v T) (events.Sealed[T], error) {
	if err := v.Check(); err != nil {
		return events.Sealed[T]{}, err
	}
	plaintext, err := json.Marshal(v)
	if err != nil {
		return events.Sealed[T]{}, fmt.Errorf("encode %T: %w", v, err)
	}
	return events.Sealed[T]{Subject: k.subject, Ciphertext: k.seal(plaintext)}, nil
}

// Keys finds a subject's data key: a [*Keyring] or a [*Memory].
type Keys interface {
	// Key returns the subject's key, or an error wrapping ErrForgotten.
	Key(ctx context.Context, subject string) (*Key, error)
}

// Open returns what s seals, from its subject's key: an error wrapping
// ErrForgotten once they are forgotten, or ErrUnreadable if s does not open.
// Legacy data, upcast from before sealing, is returned as it is.
func Open[T any](ctx context.Context, keys Keys, s events.Sealed[T]) (T, error) {
	var v T
	if s.Legacy != nil {
		return *s.Legacy, nil
	}
	if len(s.Ciphertext) == 0 {
		return v, fmt.Errorf("%w: no ciphertext", ErrUnreadable)
	}
	k, err := keys.Key(ctx, s.Subject)
	if err != nil {
		return v, err
	}
	plaintext, err := k.open(s.Ciphertext)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(plaintext, &v); err != nil {
		return v, fmt.Errorf("%w: %T: %v", ErrUnreadable, v, err)
	}
	return v, nil
}
