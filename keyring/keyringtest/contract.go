// Package keyringtest is the contract of the keyrings, as one suite that
// the tests of [keyring.Keyring] and [keyring.Memory] both run.
package keyringtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/keyring"
)

// Ring is a keyring under test.
type Ring interface {
	keyring.Keys
	New(ctx context.Context, subject string) (*keyring.Key, error)
	Blind(ctx context.Context, value string) (string, error)
}

// Impl is a keyring and what its tests need besides: how to keep a new
// key and delete one (a Keyring does both in its caller's transactions),
// and how many keys it read past the cache.
type Impl struct {
	Ring   Ring
	Keep   func(t *testing.T, k *keyring.Key)
	Delete func(t *testing.T, subject string)
	Reads  func() int
}

// Run runs the contract against the keyring impl returns.
func Run(t *testing.T, impl func(t *testing.T) Impl) {
	tests := []struct {
		name string
		test func(t *testing.T, k Impl)
	}{
		{"a sealed contact opens to itself, and holds it in no clear byte", sealOpen},
		{"a key not kept yet is no key: nothing sealed under it opens", notKept},
		{"once the subject is deleted, what was sealed for them is forgotten", forgotten},
		{"a ciphertext moved to another subject, or altered, does not open", bound},
		{"an invalid contact is refused before it is sealed", checked},
		{"legacy data opens as it is, without a key", legacy},
		{"inside WithCache a subject's key is read once, and not past the context", cached},
		{"a blind index is stable, keyed, and tells values apart", blinds},
		{"a view reveals sealed values, redacts the forgotten and hides secrets", reveals},
		{"what a view shows open seals again, checked, under its person's key", sealsViews},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, impl(t)) })
	}
}

var ada = events.Contact{Email: "ada@example.com", Name: "Ada Lovelace"}

// kept makes, keeps and returns a key for a fresh subject.
func kept(t *testing.T, k Impl) *keyring.Key {
	t.Helper()
	key, err := k.Ring.New(context.Background(), uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	k.Keep(t, key)
	return key
}

func seal(t *testing.T, key *keyring.Key, c events.Contact) events.Sealed[events.Contact] {
	t.Helper()
	s, err := keyring.Seal(key, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sealOpen(t *testing.T, k Impl) {
	key := kept(t, k)
	s := seal(t, key, ada)
	if s.Subject != key.Subject() || s.Legacy != nil {
		t.Errorf("sealed = %+v, want the subject %s and a ciphertext", s, key.Subject())
	}
	for _, clear := range []string{ada.Email, ada.Name, "ada", "Lovelace"} {
		if bytes.Contains(bytes.ToLower(s.Ciphertext), bytes.ToLower([]byte(clear))) {
			t.Errorf("the ciphertext holds %q", clear)
		}
	}
	if again := seal(t, key, ada); bytes.Equal(again.Ciphertext, s.Ciphertext) {
		t.Error("sealing twice gave the same ciphertext: the nonce is not fresh")
	}
	got, err := keyring.Open(context.Background(), k.Ring, s)
	if err != nil || got != ada {
		t.Errorf("Open = %+v, %v; want %+v", got, err, ada)
	}
}

func notKept(t *testing.T, k Impl) {
	key, err := k.Ring.New(context.Background(), uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Open(context.Background(), k.Ring, seal(t, key, ada)); !errors.Is(err, keyring.ErrForgotten) {
		t.Errorf("Open = %v, want ErrForgotten", err)
	}
}

func forgotten(t *testing.T, k Impl) {
	key, other := kept(t, k), kept(t, k)
	s, kept := seal(t, key, ada), seal(t, other, ada)
	k.Delete(t, key.Subject())
	if _, err := keyring.Open(context.Background(), k.Ring, s); !errors.Is(err, keyring.ErrForgotten) {
		t.Errorf("Open after Delete = %v, want ErrForgotten", err)
	}
	if got, err := keyring.Open(context.Background(), k.Ring, kept); err != nil || got != ada {
		t.Errorf("another subject's: %+v, %v", got, err)
	}
}

func bound(t *testing.T, k Impl) {
	a, b := kept(t, k), kept(t, k)
	s := seal(t, a, ada)
	moved := events.Sealed[events.Contact]{Subject: b.Subject(), Ciphertext: s.Ciphertext}
	if _, err := keyring.Open(context.Background(), k.Ring, moved); !errors.Is(err, keyring.ErrUnreadable) {
		t.Errorf("moved to another subject: %v, want ErrUnreadable", err)
	}
	altered := s
	altered.Ciphertext = bytes.Clone(s.Ciphertext)
	altered.Ciphertext[len(altered.Ciphertext)-1] ^= 1
	if _, err := keyring.Open(context.Background(), k.Ring, altered); !errors.Is(err, keyring.ErrUnreadable) {
		t.Errorf("altered: %v, want ErrUnreadable", err)
	}
	short := events.Sealed[events.Contact]{Subject: a.Subject(), Ciphertext: []byte("short")}
	if _, err := keyring.Open(context.Background(), k.Ring, short); !errors.Is(err, keyring.ErrUnreadable) {
		t.Errorf("too short: %v, want ErrUnreadable", err)
	}
}

func checked(t *testing.T, k Impl) {
	key := kept(t, k)
	for _, c := range []events.Contact{{Email: "not an address", Name: "Ada"}, {Email: "ada@example.com", Name: ""}} {
		if _, err := keyring.Seal(key, c); !errors.Is(err, events.ErrInvalid) {
			t.Errorf("Seal(%+v) = %v, want ErrInvalid", c, err)
		}
	}
}

func legacy(t *testing.T, k Impl) {
	s := events.Sealed[events.Contact]{Subject: uuid.NewString(), Legacy: &ada}
	if got, err := keyring.Open(context.Background(), k.Ring, s); err != nil || got != ada {
		t.Errorf("Open(legacy) = %+v, %v", got, err)
	}
}

func cached(t *testing.T, k Impl) {
	key := kept(t, k)
	s := seal(t, key, ada)
	ctx := keyring.WithCache(context.Background())
	before := k.Reads()
	for range 5 {
		if _, err := keyring.Open(ctx, k.Ring, s); err != nil {
			t.Fatal(err)
		}
	}
	if n := k.Reads() - before; n != 1 {
		t.Errorf("5 opens in one context read the key %d times, want 1", n)
	}
	before = k.Reads()
	for range 2 {
		keyring.Open(context.Background(), k.Ring, s)
	}
	if n := k.Reads() - before; n != 2 {
		t.Errorf("2 opens without a cache read the key %d times, want 2", n)
	}
	// A batch's messages are handled at once: they wait for one read.
	other := kept(t, k)
	sealed := seal(t, other, ada)
	batch := keyring.WithCache(context.Background())
	before = k.Reads()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := keyring.Open(batch, k.Ring, sealed); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := k.Reads() - before; n != 1 {
		t.Errorf("16 opens at once in one context read the key %d times, want 1", n)
	}
	k.Delete(t, key.Subject())
	if _, err := keyring.Open(keyring.WithCache(context.Background()), k.Ring, s); !errors.Is(err, keyring.ErrForgotten) {
		t.Errorf("a fresh context after Delete: %v, want ErrForgotten", err)
	}
}

func blinds(t *testing.T, k Impl) {
	ctx := context.Background()
	a1, err := k.Ring.Blind(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := k.Ring.Blind(ctx, "ada@example.com")
	b, _ := k.Ring.Blind(ctx, "bob@example.com")
	if a1 != a2 || a1 == b || len(a1) != 64 {
		t.Errorf("Blind gave %q, %q and %q for bob", a1, a2, b)
	}
	// Hex digits can spell "ada" by chance; they cannot spell the address.
	if _, err := hex.DecodeString(a1); err != nil || strings.Contains(a1, "ada@example.com") {
		t.Errorf("the blind index %q is not a hex digest of the value", a1)
	}
}

func reveals(t *testing.T, k Impl) {
	live, gone := kept(t, k), kept(t, k)
	doc := `{"orderId":"o-1","customer":{"userId":"u","contact":` + jsonOf(t, seal(t, live, ada)) + `},` +
		`"previous":[{"contact":` + jsonOf(t, seal(t, gone, ada)) + `}],` +
		`"old":{"subject":"x","legacy":{"email":"old@example.com","name":"Old"}},` +
		`"token":{"ciphertext":"AAAA"},"total":{"amountMinor":12345678901234,"currency":"EUR"}}`
	k.Delete(t, gone.Subject())
	got, err := keyring.Reveal(context.Background(), k.Ring, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"orderId":"o-1","customer":{"userId":"u","contact":{"email":"ada@example.com","name":"Ada Lovelace"}},` +
		`"previous":[{"contact":"[redacted]"}],"old":{"email":"old@example.com","name":"Old"},` +
		`"token":"[secret]","total":{"amountMinor":12345678901234,"currency":"EUR"}}`
	if string(got) != want {
		t.Errorf("Reveal =\n%s\nwant\n%s", got, want)
	}
	got, err = keyring.Reveal(context.Background(), nil, []byte(doc))
	if err != nil || strings.Count(string(got), keyring.Unopened) != 2 || strings.Contains(string(got), "ada@") {
		t.Errorf("Reveal without keys = %s, %v", got, err)
	}
}

func jsonOf(t *testing.T, s events.Sealed[events.Contact]) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sealsViews(t *testing.T, k Impl) {
	key := kept(t, k)
	byKey := func(_ context.Context, subject string) (*keyring.Key, error) {
		if subject != key.Subject() {
			t.Errorf("asked for the key of %s", subject)
		}
		return key, nil
	}
	view := `{"orderId":"o-1","customer":{"userId":"` + key.Subject() + `","contact":{"email":"ada@example.com","name":"Ada Lovelace"}},"note":{"contact":{"email":"x@example.com","name":"X"}}}`
	sealed, err := keyring.SealView(context.Background(), byKey, []byte(view))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), "ada@") || !strings.Contains(string(sealed), `"subject":"`+key.Subject()+`"`) || !strings.Contains(string(sealed), "x@example.com") {
		t.Errorf("SealView = %s, want the customer's contact sealed and the rest kept", sealed)
	}
	shown, err := keyring.Reveal(context.Background(), k.Ring, sealed)
	if err != nil || string(shown) != view {
		t.Errorf("Reveal(SealView(v)) = %s, %v; want v", shown, err)
	}
	bad := `{"userId":"` + key.Subject() + `","contact":{"email":"nope","name":""}}`
	if _, err := keyring.SealView(context.Background(), byKey, []byte(bad)); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("an invalid contact: %v, want ErrInvalid", err)
	}
}
