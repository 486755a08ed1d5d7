// Package eventstest gives tests the catalogue's sample envelopes,
// events/testdata/<type>.v<N>.json: one per version of every type.
package eventstest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/eventshop/eventshop/events"
)

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
