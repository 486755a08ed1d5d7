package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	santhosh "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/eventshop/eventshop/jsoncheck"
	"github.com/eventshop/eventshop/jsoncheck/schemagen"
)

// The validators are generated from the schemas; santhosh-tekuri's
// jsonschema, a maintained implementation of JSON Schema 2020-12, is the
// reference they are held to. It runs only in tests: its package
// initialization compiles every draft's metaschema, which no cold start
// should pay for.

func TestTheGeneratedValidatorsAreUpToDate(t *testing.T) {
	files, err := filepath.Glob("schemas/*.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := schemagen.Generate("events", files, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("schemas_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("schemas_gen.go is stale: run go generate ./events (make generate)")
	}
}

// reference compiles every schema with the reference implementation;
// tolerant drops additionalProperties: false, as a tolerant check does.
func reference(t testing.TB, tolerant bool) map[string]*santhosh.Schema {
	t.Helper()
	c := santhosh.NewCompiler()
	c.AssertFormat()
	files, _ := filepath.Glob("schemas/*.json")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if tolerant {
			raw = bytes.ReplaceAll(raw, []byte(`"additionalProperties": false,`), nil)
		}
		doc, err := santhosh.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("https://eventshop.dev/schemas/"+filepath.Base(f), doc); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]*santhosh.Schema{}
	for _, f := range files {
		s, err := c.Compile("https://eventshop.dev/schemas/" + filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = s
	}
	return out
}

// agree checks doc against file's schema with both implementations, in
// both modes, and reports where they differ.
func agree(t testing.TB, strict, tolerant map[string]*santhosh.Schema, file string, doc []byte) {
	t.Helper()
	inst, err := santhosh.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return // not JSON: nothing to compare
	}
	for _, m := range []struct {
		mode jsoncheck.Mode
		ref  *santhosh.Schema
	}{{jsoncheck.Strict, strict[file]}, {jsoncheck.Tolerant, tolerant[file]}} {
		ours := CheckFile(doc, file, m.mode)
		theirs := m.ref.Validate(inst)
		if (ours == nil) != (theirs == nil) {
			t.Errorf("%s, mode %d: %s\n ours: %v\n the reference: %v", file, m.mode, doc, ours, theirs)
		}
	}
}

// mutations are documents near doc: each member removed, each value
// replaced by one of another type or at the edge of what is allowed, an
// unknown member added, arrays emptied and overfilled.
func mutations(doc any) []any {
	var out []any
	values := []any{nil, true, 0, -1, 1.5, 1e20, "", "x", strings.Repeat("é", 101), strings.Repeat("a", 255), "ada@example", "a@[127.0.0.1]",
		"a..b@example.com", "2026-02-30T10:00:00Z", "2026-11-25T23:59:60Z", "2026-11-25T10:00:00+01:00", "1C6F2B8E-3D4A-4B5C-9D6E-7F8091A2B3C4",
		"{1c6f2b8e-3d4a-4b5c-9d6e-7f8091a2b3c4}", "eur", "EURO", "BOOK 42", ".hidden", "a@[::1]", "a@[IPv6:::1]", "a@-x.com",
		"2026-11-25t10:00:00z", "ada@éxample.com", map[string]any{}, []any{}}
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		for _, r := range values {
			set(r)
			out = append(out, clone(doc))
		}
		set(v)
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				delete(v, k)
				out = append(out, clone(doc))
				v[k] = child
				walk(child, func(x any) { v[k] = x })
			}
			v["zz-unknown"] = 1
			out = append(out, clone(doc))
			delete(v, "zz-unknown")
		case []any:
			for i, child := range v {
				walk(child, func(x any) { v[i] = x })
			}
		}
	}
	walk(doc, func(any) {})
	return out
}

func clone(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func TestTheGeneratedValidatorsAgreeWithTheReference(t *testing.T) {
	strict, tolerant := reference(t, false), reference(t, true)
	checked := 0
	for _, def := range Catalogue() {
		for _, v := range def.Versions {
			raw, err := os.ReadFile("testdata/" + def.SampleFile(v.Number))
			if err != nil {
				t.Fatal(err)
			}
			var env map[string]any
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatal(err)
			}
			for _, m := range mutations(env["data"]) {
				doc, _ := json.Marshal(m)
				agree(t, strict, tolerant, def.SchemaFile(v.Number), doc)
				checked++
			}
			for _, m := range mutations(env) {
				doc, _ := json.Marshal(m)
				agree(t, strict, tolerant, "envelope.json", doc)
				checked++
			}
		}
	}
	t.Logf("%d documents, each in two modes", checked)
}

// FuzzTheGeneratedValidatorsAgreeWithTheReference looks for documents the
// two implementations judge differently. JSON that can be read two ways
// (a name twice, invalid UTF-8), which only eventshop refuses, is not
// compared.
func FuzzTheGeneratedValidatorsAgreeWithTheReference(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.v*.json")
	for _, file := range files {
		raw, _ := os.ReadFile(file)
		var env map[string]json.RawMessage
		_ = json.Unmarshal(raw, &env)
		f.Add(raw, 0)
		f.Add([]byte(env["data"]), 1)
	}
	strict, tolerant := reference(f, false), reference(f, true)
	var names []string
	for name := range strict {
		names = append(names, name)
	}
	f.Fuzz(func(t *testing.T, doc []byte, schema int) {
		if err := jsoncheck.Check(doc, jsoncheck.Tolerant, func(c *jsoncheck.Checker) { c.AnyValue() }); err != nil {
			return
		}
		for _, name := range names {
			if strings.HasPrefix(name, "common") {
				continue
			}
			if schema%2 == 0 || name != "envelope.json" {
				agree(t, strict, tolerant, name, doc)
			}
		}
	})
}

func ExampleCheckFile() {
	err := CheckFile([]byte(`{"userId":"5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e","email":"ada@@example.com","name":"Ada"}`), "user.registered.v1.json", jsoncheck.Strict)
	fmt.Println(err)
	// Output: email: is not a valid email
}
