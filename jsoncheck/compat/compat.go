// Package compat compares two versions of a JSON Schema as eventshop's
// event contracts allow them to differ: within a released version, a
// schema may only gain optional properties (and change its prose). Every
// other change would make readers that are not redeployed yet refuse what
// a new producer writes, or the other way round: a property removed,
// renamed or retyped, a new required property, an enum narrowed or
// widened, a length, bound, pattern or format changed, additional
// properties closed.
package compat

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Change is a difference that breaks a released version.
type Change struct {
	// Path is where in the schema: properties.items.items.sku, say.
	Path string
	// What says what changed, and how that breaks readers or writers.
	What string
}

func (c Change) String() string {
	if c.Path == "" {
		return c.What
	}
	return c.Path + ": " + c.What
}

// Schema is a schema with every $ref replaced by what it refers to.
type Schema = map[string]any

// annotations check nothing: they may change freely.
var annotations = []string{"$schema", "$id", "$comment", "title", "description", "examples", "$defs", "x-rule"}

// Diff lists the changes from released to current that break released.
func Diff(released, current Schema) []Change {
	var out []Change
	diff("", released, current, &out)
	return out
}

func diff(path string, old, cur Schema, out *[]Change) {
	add := func(format string, args ...any) {
		*out = append(*out, Change{Path: path, What: fmt.Sprintf(format, args...)})
	}
	if ot, ct := old["type"], cur["type"]; !reflect.DeepEqual(ot, ct) {
		add("retyped from %v to %v", ot, ct)
		return
	}
	// Properties: removed or retyped breaks readers that use them; added
	// is the one change allowed, unless it is required.
	oldProps, _ := old["properties"].(map[string]any)
	curProps, _ := cur["properties"].(map[string]any)
	for _, name := range sortedKeys(oldProps) {
		c, ok := curProps[name]
		if !ok {
			add("property %q removed (or renamed): readers of this version that use it find it missing", name)
			continue
		}
		diff(join(path, name), oldProps[name].(map[string]any), c.(map[string]any), out)
	}
	oldReq, curReq := strings_(old["required"]), strings_(cur["required"])
	for _, name := range curReq {
		if slices.Contains(oldReq, name) {
			continue
		}
		if _, existed := oldProps[name]; existed {
			add("property %q became required: producers of this version may leave it out", name)
		} else {
			add("new required property %q: producers of this version do not write it; add it as optional, or in a new version", name)
		}
	}
	for _, name := range oldReq {
		if !slices.Contains(curReq, name) {
			add("property %q is no longer required: readers of this version count on it", name)
		}
	}
	if old["additionalProperties"] == nil && cur["additionalProperties"] == false {
		add("additional properties closed: members a producer of this version may write are refused")
	}
	if old["additionalProperties"] == false && cur["additionalProperties"] == nil {
		add("additional properties opened: strict writers of this version refuse what new ones may write")
	}
	if oi, ci := old["items"], cur["items"]; oi != nil || ci != nil {
		om, _ := oi.(map[string]any)
		cm, _ := ci.(map[string]any)
		if om == nil || cm == nil {
			add("items changed")
		} else {
			diff(path+"[]", om, cm, out)
		}
	}
	if oe, ce := strings_(old["enum"]), strings_(cur["enum"]); old["enum"] != nil || cur["enum"] != nil {
		var lost, gained []string
		for _, v := range oe {
			if !slices.Contains(ce, v) {
				lost = append(lost, v)
			}
		}
		for _, v := range ce {
			if !slices.Contains(oe, v) {
				gained = append(gained, v)
			}
		}
		switch {
		case cur["enum"] == nil:
			add("enum removed: readers of this version refuse values outside %v", oe)
		case old["enum"] == nil:
			add("enum added: values producers of this version may write are refused")
		case len(lost) > 0:
			add("enum narrowed: lost %s", strings.Join(lost, ", "))
		case len(gained) > 0:
			add("enum widened by %s: readers of this version refuse them", strings.Join(gained, ", "))
		}
	}
	for _, k := range []string{"minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "pattern", "format"} {
		o, c := old[k], cur[k]
		if reflect.DeepEqual(o, c) {
			continue
		}
		switch {
		case o == nil:
			add("%s added (%v): values producers of this version may write are refused", k, c)
		case c == nil:
			add("%s removed (was %v): readers of this version refuse what is no longer bounded", k, o)
		case tighter(k, o, c):
			add("%s tightened from %v to %v: values producers of this version may write are refused", k, o, c)
		default:
			add("%s changed from %v to %v: readers of this version refuse what new producers may write", k, o, c)
		}
	}
	for _, k := range sortedKeys(cur) {
		if _, checked := old[k]; !checked && !known(k) && !slices.Contains(annotations, k) {
			add("keyword %s added", k)
		}
	}
}

func known(k string) bool {
	return slices.Contains([]string{"type", "properties", "required", "additionalProperties", "items", "enum",
		"minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "pattern", "format"}, k)
}

// tighter says whether a bound moved so as to allow less.
func tighter(k string, o, c any) bool {
	of, ok1 := o.(float64)
	cf, ok2 := c.(float64)
	if !ok1 || !ok2 {
		return true // a pattern or format changed: assume the worst
	}
	if strings.HasPrefix(k, "min") {
		return cf > of
	}
	return cf < of
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func strings_(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Load reads the schema files in dirs and returns each, by file name, with
// its $refs replaced by what they refer to, among them, through their $id.
func Load(dirs ...string) (map[string]Schema, error) {
	var files []string
	for _, dir := range dirs {
		matches, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			return nil, err
		}
		files = append(files, matches...)
	}
	docs := map[string]Schema{} // by $id
	names := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var s Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		id, _ := s["$id"].(string)
		if _, dup := docs[id]; dup || id == "" {
			return nil, fmt.Errorf("%s: its $id %q is missing or not unique", f, id)
		}
		for other, name := range names {
			if name == filepath.Base(f) {
				return nil, fmt.Errorf("%s and %s share a file name", f, other)
			}
		}
		docs[id] = s
		names[id] = filepath.Base(f)
	}
	out := map[string]Schema{}
	for id, s := range docs {
		r, err := resolve(docs, id, s, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", names[id], err)
		}
		out[names[id]] = r.(Schema)
	}
	return out, nil
}

func resolve(docs map[string]Schema, base string, v any, depth int) (any, error) {
	if depth > 32 {
		return nil, fmt.Errorf("$refs nest too deep (a cycle?)")
	}
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			r, err := resolve(docs, base, x, depth)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			target, at, err := lookup(docs, base, ref)
			if err != nil {
				return nil, err
			}
			return resolve(docs, at, target, depth+1)
		}
		out := Schema{}
		for k, x := range v {
			if k == "$defs" {
				continue
			}
			r, err := resolve(docs, base, x, depth)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

func lookup(docs map[string]Schema, base, ref string) (Schema, string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return nil, "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, "", err
	}
	abs := b.ResolveReference(r)
	frag := abs.Fragment
	abs.Fragment = ""
	doc, ok := docs[abs.String()]
	if !ok {
		return nil, "", fmt.Errorf("$ref %q reaches no schema", ref)
	}
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if part == "" {
			continue
		}
		m, _ := cur.(map[string]any)
		if cur = m[part]; cur == nil {
			return nil, "", fmt.Errorf("$ref %q reaches nothing", ref)
		}
	}
	s, _ := cur.(map[string]any)
	return s, abs.String(), nil
}

// Same says whether two schemas check the same, whatever their prose.
func Same(a, b Schema) bool { return reflect.DeepEqual(strip(a), strip(b)) }

func strip(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if !slices.Contains(annotations, k) {
				out[k] = strip(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = strip(x)
		}
		return out
	}
	return v
}
