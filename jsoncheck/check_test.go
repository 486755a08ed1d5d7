package jsoncheck_test

import (
	"strings"
	"testing"

	"github.com/eventshop/eventshop/jsoncheck"
)

// person is what cmd/schemagen writes for a closed object with a required
// name and an optional list of up to two tags.
func person(c *jsoncheck.Checker) {
	names := []string{"name", "tags"}
	c.OpenObject()
	var seen [2]bool
	for {
		name, ok := c.Next()
		if !ok {
			break
		}
		switch name {
		case "name":
			seen[0] = true
			c.Enter(name)
			c.String(&jsoncheck.StringRule{MinLength: 1, MaxLength: 10})
			c.Leave()
		case "tags":
			seen[1] = true
			c.Enter(name)
			c.OpenArray()
			for i := 0; c.Item(i, 0, 2); i++ {
				c.String(&jsoncheck.StringRule{Pattern: &jsoncheck.Pattern{Expr: `^[a-z]+$`}})
			}
			c.Leave()
		default:
			c.Unknown(name, names, true)
		}
	}
	c.Required(seen[:], names, []int{0})
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name, doc  string
		mode       jsoncheck.Mode
		path, says string // "" for a valid document
	}{
		{"a valid document", `{"name":"Ada","tags":["a","b"]}`, jsoncheck.Strict, "", ""},
		{"an unknown member, strictly", `{"name":"Ada","age":3}`, jsoncheck.Strict, "age", "not a known field"},
		{"an unknown member, tolerantly", `{"name":"Ada","age":{"years":[3]}}`, jsoncheck.Tolerant, "", ""},
		{"a name that matches only if case is ignored", `{"Name":"Ada"}`, jsoncheck.Tolerant, "Name", "case-sensitive"},
		{"a name twice", `{"name":"Ada","name":"Bob"}`, jsoncheck.Tolerant, "name", "appears twice"},
		{"invalid UTF-8", "{\"name\":\"A\xffa\"}", jsoncheck.Tolerant, "name", "UTF-8"},
		{"a lone surrogate", `{"name":"A\ud800a"}`, jsoncheck.Tolerant, "name", "surrogate"},
		{"a missing member", `{"tags":[]}`, jsoncheck.Strict, "name", "is required"},
		{"too long", `{"name":"Adalovelace"}`, jsoncheck.Strict, "name", "1 to 10 characters"},
		{"an item off its pattern", `{"name":"Ada","tags":["a","B"]}`, jsoncheck.Strict, "tags[1]", "does not match ^[a-z]+$"},
		{"too many items", `{"name":"Ada","tags":["a","b","c"]}`, jsoncheck.Strict, "tags", "at most 2 items"},
		{"the wrong type", `{"name":3}`, jsoncheck.Strict, "name", "must be a string"},
		{"more after the value", `{"name":"Ada"} {}`, jsoncheck.Strict, "", "more after"},
		{"broken JSON after a schema fault", `{"nom":`, jsoncheck.Strict, "", "ends too early"},
		{"an unknown name truncated", `{"` + strings.Repeat("x", 100) + `":1}`, jsoncheck.Strict, strings.Repeat("x", 32) + "…", "not a known field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := jsoncheck.Check([]byte(tt.doc), tt.mode, person)
			if tt.says == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			e, ok := err.(*jsoncheck.Error)
			if !ok || e.Path != tt.path || !strings.Contains(e.Reason, tt.says) {
				t.Errorf("err = %#v, want %q saying %q", err, tt.path, tt.says)
			}
			if strings.Contains(err.Error(), "Ada") || strings.Contains(err.Error(), "Bob") {
				t.Errorf("the error repeats a value: %v", err)
			}
		})
	}
}
