package provision

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// props gives typed access to a resource's resolved properties and keeps
// track of which ones were used, so that a property the local stack does
// not know is an error rather than silently dropped.
type props struct {
	m        map[string]any
	used     map[string]bool
	path     string            // of this object within the properties, e.g. "DestinationConfig."
	children map[string]*props // objects read with obj, checked by unused too
}

func newProps(m map[string]any) *props { return &props{m: m, used: map[string]bool{}} }

func (p *props) get(key string) (any, bool) {
	p.used[key] = true
	v, ok := p.m[key]
	return v, ok
}

func (p *props) has(key string) bool {
	_, ok := p.m[key]
	return ok
}

func (p *props) str(key string) string {
	v, _ := p.get(key)
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (p *props) strs(key string) []string {
	v, _ := p.get(key)
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *props) num(key string, def int) int {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	switch v := v.(type) {
	case float64:
		return int(v)
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return def
}

func (p *props) boolean(key string, def bool) bool {
	v, ok := p.get(key)
	if !ok {
		return def
	}
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return def
}

// jsonText returns a property as JSON text: a policy document or an event
// pattern, which CloudFormation takes as an object and the API as a string.
func (p *props) jsonText(key string) string {
	v, ok := p.get(key)
	if !ok {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// into decodes a property into an SDK input type. CloudFormation's
// property names match the API's field names, which encoding/json matches
// without regard to case.
func (p *props) into(key string, dst any) error {
	v, ok := p.get(key)
	if !ok {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("property %s: %w", key, err)
	}
	return nil
}

// obj returns a nested object, whose own properties unused checks too.
func (p *props) obj(key string) *props {
	if c, ok := p.children[key]; ok {
		return c
	}
	v, _ := p.get(key)
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	c := newProps(m)
	c.path = p.path + key + "."
	if p.children == nil {
		p.children = map[string]*props{}
	}
	p.children[key] = c
	return c
}

// all returns every property of the object, marking them read.
func (p *props) all() map[string]any {
	for k := range p.m {
		p.used[k] = true
	}
	return p.m
}

// notEmulated marks properties that are read but have no effect locally,
// such as encryption settings.
func (p *props) notEmulated(keys ...string) {
	for _, k := range keys {
		p.used[k] = true
	}
}

// unused returns an error naming the properties nobody read, nested ones
// included.
func (p *props) unused(resourceType string) error {
	left := p.unread()
	if len(left) == 0 {
		return nil
	}
	return fmt.Errorf("%s properties %s are not supported by the local stack", resourceType, strings.Join(left, ", "))
}

func (p *props) unread() []string {
	var left []string
	for _, k := range slices.Sorted(maps.Keys(p.m)) {
		if c, ok := p.children[k]; ok {
			left = append(left, c.unread()...)
		} else if !p.used[k] {
			left = append(left, p.path+k)
		}
	}
	return left
}

func (p *props) tags(key string) map[string]string {
	v, _ := p.get(key)
	out := map[string]string{}
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				k, _ := m["Key"].(string)
				val, _ := m["Value"].(string)
				out[k] = val
			}
		}
	case map[string]any:
		for k, e := range v {
			out[k], _ = e.(string)
		}
	}
	return out
}
