package events

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/eventshop/eventshop/jsoncheck/compat"
)

// lockFile records every released schema version as it stands, with its
// $refs resolved: what readers and writers deployed today rely on.
const lockFile = "schemas.lock.json"

var lockSchemas = flag.Bool("lock-schemas", false, "record the schemas as released in "+lockFile+" (make lock-schemas)")

// TestReleasedSchemasChangeOnlyCompatibly is the compatibility gate: a
// released version may only gain optional properties. Anything else needs
// a new version of the type, with an upcaster from the one before.
func TestReleasedSchemasChangeOnlyCompatibly(t *testing.T) {
	current, err := compat.Load("schemas")
	if err != nil {
		t.Fatal(err)
	}
	locked := map[string]compat.Schema{}
	if raw, err := os.ReadFile(lockFile); err == nil {
		if err := json.Unmarshal(raw, &locked); err != nil {
			t.Fatalf("%s: %v", lockFile, err)
		}
	}
	versions := map[string]string{"envelope.json": "the envelope"}
	for _, def := range Catalogue() {
		for _, v := range def.Versions {
			versions[def.SchemaFile(v.Number)] = fmt.Sprintf("%s v%d", def.Type, v.Number)
		}
	}
	next := map[string]compat.Schema{}
	for _, file := range slices.Sorted(maps.Keys(versions)) {
		now := current[file]
		next[file] = now
		was, ok := locked[file]
		if !ok {
			if !*lockSchemas {
				t.Errorf("%s is not locked: once it is released, run make lock-schemas", versions[file])
			}
			continue
		}
		changes := compat.Diff(was, now)
		for _, c := range changes {
			t.Errorf("%s changed incompatibly: %s. Put the change in a new version, with an upcaster from this one.", versions[file], c)
		}
		if len(changes) == 0 && !compat.Same(was, now) && !*lockSchemas {
			t.Errorf("%s changed compatibly: record it with make lock-schemas", versions[file])
		}
		if len(changes) > 0 {
			next[file] = was
		}
	}
	for file := range locked {
		if _, ok := versions[file]; !ok {
			t.Errorf("%s was released, and is gone: keep its schema, sample and upcaster while events of it may be stored", file)
			next[file] = locked[file]
		}
	}
	if *lockSchemas && !t.Failed() {
		raw, err := json.MarshalIndent(next, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(lockFile, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
