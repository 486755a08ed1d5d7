package template

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Template is a CloudFormation template, as much of it as the local stack
// uses. Rules (CDK's bootstrap version check) only concern a real
// CloudFormation and are not read.
type Template struct {
	Parameters map[string]Parameter `json:"Parameters"`
	Conditions map[string]any       `json:"Conditions"`
	Resources  map[string]Resource  `json:"Resources"`
	Outputs    map[string]Output    `json:"Outputs"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

// Resource is one resource of the template.
type Resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
	DependsOn  dependsOn      `json:"DependsOn"`
	Metadata   map[string]any `json:"Metadata"`
	Condition  string         `json:"Condition"`
}

// Output is one stack output.
type Output struct {
	Value       any    `json:"Value"`
	Description string `json:"Description"`
}

// dependsOn is a DependsOn value, which may be one name or a list.
type dependsOn []string

func (d *dependsOn) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*d = dependsOn{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("DependsOn: %w", err)
	}
	*d = many
	return nil
}

// Load reads a template file.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("template %s: %w", path, err)
	}
	return &t, nil
}

// Order returns the logical ids of the resources so that each comes after
// every resource it refers to or depends on. Ties are broken by name, so
// the order is the same on every run. A cycle or a reference to a
// resource that does not exist is an error.
func (t *Template) Order() ([]string, error) {
	deps := make(map[string][]string, len(t.Resources))
	for id, r := range t.Resources {
		refs := References(r.Properties)
		refs = append(refs, r.DependsOn...)
		for _, ref := range refs {
			if _, ok := t.Resources[ref]; ok {
				deps[id] = append(deps[id], ref)
				continue
			}
			if _, ok := t.Parameters[ref]; !ok && !strings.HasPrefix(ref, "AWS::") {
				return nil, fmt.Errorf("resource %s refers to %s, which the template does not define", id, ref)
			}
		}
	}
	var (
		order []string
		state = map[string]int{} // 1 visiting, 2 done
		visit func(id string, path []string) error
	)
	visit = func(id string, path []string) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("dependency cycle: %s", strings.Join(append(path, id), " → "))
		case 2:
			return nil
		}
		state[id] = 1
		ds := slices.Sorted(slices.Values(deps[id]))
		for _, d := range ds {
			if err := visit(d, append(path, id)); err != nil {
				return err
			}
		}
		state[id] = 2
		order = append(order, id)
		return nil
	}
	for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
		if err := visit(id, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// References lists the names a value refers to through Ref, Fn::GetAtt
// and Fn::Sub, in no particular order, possibly repeated.
func References(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 1 {
				for k, arg := range v {
					switch k {
					case "Ref":
						if s, ok := arg.(string); ok {
							out = append(out, s)
						}
					case "Fn::GetAtt":
						if name, _, err := getAttArgs(arg); err == nil {
							out = append(out, name)
						}
					case "Fn::Sub":
						str, vars := subArgs(arg)
						for _, name := range subNames(str) {
							if _, local := vars[name]; !local {
								out = append(out, strings.SplitN(name, ".", 2)[0])
							}
						}
					}
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
