package compat_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/jsoncheck/compat"
)

func schema(t *testing.T, src string) compat.Schema {
	t.Helper()
	var s compat.Schema
	if err := json.Unmarshal([]byte(src), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

const released = `{"type":"object","required":["sku","qty"],"additionalProperties":false,"properties":{
	"sku":{"type":"string","pattern":"^[A-Z]+$","maxLength":64},
	"qty":{"type":"integer","minimum":1,"maximum":1000},
	"kind":{"type":"string","enum":["book","pen"]},
	"note":{"type":"string"},
	"tags":{"type":"array","items":{"type":"string","maxLength":10}}}}`

func TestOnlyAddingOptionalPropertiesIsCompatible(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(released, old) {
			t.Fatalf("the schema lacks %s", old)
		}
		return strings.Replace(released, old, new, 1)
	}
	tests := []struct {
		name, current, want string
	}{
		{"an optional property added", edit(`"note":{"type":"string"}`, `"note":{"type":"string"},"gift":{"type":"boolean"}`), ""},
		{"prose changed", edit(`"note":{"type":"string"}`, `"note":{"type":"string","description":"for the packer"}`), ""},
		{"a property removed", edit(`"note":{"type":"string"},`, ``), `property "note" removed (or renamed)`},
		{"a property renamed", edit(`"note":`, `"remark":`), `property "note" removed (or renamed)`},
		{"a property retyped", edit(`"qty":{"type":"integer"`, `"qty":{"type":"string"`), "qty: retyped from integer to string"},
		{"a new required property", edit(`"required":["sku","qty"]`, `"required":["sku","qty","gift"]`), `new required property "gift"`},
		{"an optional property made required", edit(`"required":["sku","qty"]`, `"required":["sku","qty","note"]`), `property "note" became required`},
		{"an enum narrowed", edit(`["book","pen"]`, `["book"]`), "kind: enum narrowed: lost pen"},
		{"an enum widened", edit(`["book","pen"]`, `["book","pen","ink"]`), "kind: enum widened by ink"},
		{"a length tightened", edit(`"maxLength":64`, `"maxLength":32`), "sku: maxLength tightened from 64 to 32"},
		{"a bound tightened", edit(`"minimum":1`, `"minimum":2`), "qty: minimum tightened from 1 to 2"},
		{"a pattern tightened", edit(`"^[A-Z]+$"`, `"^[A-Z]{3}$"`), "sku: pattern tightened"},
		{"a nested bound tightened", edit(`"maxLength":10`, `"maxLength":5`), "tags[]: maxLength tightened from 10 to 5"},
		{"additional properties closed", strings.Replace(edit(`"additionalProperties":false,`, ``), `"tags":{"type":"array","items":{"type":"string","maxLength":10}}`, `"tags":{"type":"array","items":{"type":"string","maxLength":10}}`, 1), "additional properties opened"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes := compat.Diff(schema(t, released), schema(t, tt.current))
			var got []string
			for _, c := range changes {
				got = append(got, c.String())
			}
			switch {
			case tt.want == "" && len(changes) > 0:
				t.Errorf("a compatible change was refused: %v", got)
			case tt.want != "" && (len(changes) == 0 || !strings.Contains(strings.Join(got, "\n"), tt.want)):
				t.Errorf("changes = %v, want one saying %q", got, tt.want)
			}
		})
	}
	closed := compat.Diff(schema(t, `{"type":"object","properties":{"a":{"type":"string"}}}`),
		schema(t, `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}`))
	if len(closed) != 1 || !strings.Contains(closed[0].What, "additional properties closed") {
		t.Errorf("closing an open object: %v", closed)
	}
}
