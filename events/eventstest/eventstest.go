// Package eventstest gives tests the catalogue's sample envelopes,
// events/testdata/<type>.v<N>.json: one per version of every type, and
// the data key that seals what they seal (keyringtest.Samples holds it).
package eventstest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/eventshop/eventshop/events"
)

// SampleSubject is the user id of the person every sample is about: Ada
// Lovelace, ada@example.com.
const SampleSubject = "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e"

// SampleKey is the data key, in hex, that seals the samples' contacts.
// It seals nothing else.
const SampleKey = "3b6506cc55f481198d163928d017005e031a3eb1d26496ebc9553ce8d3651c1d"

// Dir is the directory of the samples.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Raw returns the sample of a version of an event type, as stored.
func Raw(t testing.TB, eventType string, version int) []byte {
	t.Helper()
	def, ok := events.Lookup(eventType)
	if !ok {
		t.Fatalf("%s is not in the catalogue", eventType)
	}
	raw, err := os.ReadFile(filepath.Join(Dir(), def.SampleFile(version)))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Sample returns the sample envelope of a version of an event type,
// parsed.
func Sample(t testing.TB, eventType string, version int) events.Envelope {
	t.Helper()
	env, err := events.Parse(Raw(t, eventType, version))
	if err != nil {
		t.Fatalf("the sample of %s v%d: %v", eventType, version, err)
	}
	return env
}

// Latest returns the sample envelope of an event type's latest version.
func Latest(t testing.TB, eventType string) events.Envelope {
	t.Helper()
	def, _ := events.Lookup(eventType)
	return Sample(t, eventType, def.Latest())
}
