package keyringtest

import (
	"encoding/hex"
	"testing"

	"github.com/eventshop/eventshop/events/eventstest"
	"github.com/eventshop/eventshop/keyring"
)

// Samples returns a keyring in memory that holds the data key of the
// catalogue's samples (eventstest), so that what they seal opens.
func Samples(t testing.TB) *keyring.Memory {
	t.Helper()
	raw, err := hex.DecodeString(eventstest.SampleKey)
	if err != nil {
		t.Fatal(err)
	}
	m := keyring.NewMemory()
	if _, err := m.Import(eventstest.SampleSubject, raw); err != nil {
		t.Fatal(err)
	}
	return m
}
