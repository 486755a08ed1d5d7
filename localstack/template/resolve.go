package template

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Resolver resolves intrinsic functions against what is known so far: the
// pseudo parameters, the parameters, and the resources already created.
type Resolver struct {
	// Values holds what Ref returns: AWS::Region and the other pseudo
	// parameters, parameters, and the physical ids of created resources.
	Values map[string]string
	// Attrs holds what Fn::GetAtt returns, by logical id, then attribute.
	Attrs map[string]map[string]string
	// Conditions of the template, evaluated on demand.
	Conditions map[string]any
}

// NewResolver returns a resolver knowing the given pseudo parameters.
func NewResolver(pseudo map[string]string) *Resolver {
	r := &Resolver{Values: map[string]string{}, Attrs: map[string]map[string]string{}}
	for k, v := range pseudo {
		r.Values[k] = v
	}
	return r
}

// Set records what Ref and Fn::GetAtt return for a created resource.
func (r *Resolver) Set(logicalID, ref string, attrs map[string]string) {
	r.Values[logicalID] = ref
	r.Attrs[logicalID] = attrs
}

// noValue stands for AWS::NoValue: the property it is in is removed.
type noValue struct{}

// Resolve returns v with every intrinsic function replaced by its value.
func (r *Resolver) Resolve(v any) (any, error) {
	out, err := r.resolve(v)
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, err
}

// String resolves v and requires a string.
func (r *Resolver) String(v any) (string, error) {
	out, err := r.Resolve(v)
	if err != nil {
		return "", err
	}
	return scalar(out)
}

func (r *Resolver) resolve(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
					out, err := r.intrinsic(k, arg)
					if err != nil {
						return nil, fmt.Errorf("%s: %w", k, err)
					}
					return out, nil
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			res, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("%s.%w", k, err)
			}
			if _, ok := res.(noValue); !ok {
				out[k] = res
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, e := range v {
			res, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if _, ok := res.(noValue); !ok {
				out = append(out, res)
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *Resolver) intrinsic(name string, arg any) (any, error) {
	switch name {
	case "Ref":
		ref, ok := arg.(string)
		if !ok {
			return nil, errors.New("argument is not a name")
		}
		if ref == "AWS::NoValue" {
			return noValue{}, nil
		}
		val, ok := r.Values[ref]
		if !ok {
			return nil, fmt.Errorf("%s is not known (yet)", ref)
		}
		return val, nil
	case "Fn::GetAtt":
		logical, attr, err := getAttArgs(arg)
		if err != nil {
			return nil, err
		}
		val, ok := r.Attrs[logical][attr]
		if !ok {
			return nil, fmt.Errorf("%s.%s is not known", logical, attr)
		}
		return val, nil
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Join":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, errors.New("wants [delimiter, [values]]")
		}
		delim, _ := args[0].(string)
		list, err := r.list(args[1])
		if err != nil {
			return nil, err
		}
		return strings.Join(list, delim), nil
	case "Fn::Select":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, errors.New("wants [index, [values]]")
		}
		idxVal, err := r.resolve(args[0])
		if err != nil {
			return nil, err
		}
		idxStr, err := scalar(idxVal)
		if err != nil {
			return nil, err
		}
		idx, err := strconv.Atoi(idxStr)
		if err != nil {
			return nil, fmt.Errorf("index %q", idxStr)
		}
		list, err := r.list(args[1])
		if err != nil {
			return nil, err
		}
		if idx < 0 || idx >= len(list) {
			return nil, fmt.Errorf("index %d out of %d values", idx, len(list))
		}
		return list[idx], nil
	case "Fn::Split":
		args, ok := arg.([]any)
		if !ok || len(args) != 2 {
			return nil, errors.New("wants [delimiter, string]")
		}
		delim, _ := args[0].(string)
		s, err := r.String(args[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, part := range strings.Split(s, delim) {
			out = append(out, part)
		}
		return out, nil
	case "Fn::Base64":
		s, err := r.String(arg)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "Fn::If":
		args, ok := arg.([]any)
		if !ok || len(args) != 3 {
			return nil, errors.New("wants [condition, then, else]")
		}
		cond, _ := args[0].(string)
		yes, err := r.Condition(cond)
		if err != nil {
			return nil, err
		}
		if yes {
			return r.resolve(args[1])
		}
		return r.resolve(args[2])
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition":
		return r.evalCondition(map[string]any{name: arg})
	}
	return nil, fmt.Errorf("%s is not supported by the local stack", name)
}

// Condition evaluates a named condition of the template.
func (r *Resolver) Condition(name string) (bool, error) {
	c, ok := r.Conditions[name]
	if !ok {
		return false, fmt.Errorf("condition %s is not defined", name)
	}
	return r.evalCondition(c)
}

func (r *Resolver) evalCondition(c any) (bool, error) {
	m, ok := c.(map[string]any)
	if !ok || len(m) != 1 {
		return false, errors.New("a condition is one function")
	}
	for fn, arg := range m {
		args, _ := arg.([]any)
		switch fn {
		case "Condition":
			name, _ := arg.(string)
			return r.Condition(name)
		case "Fn::Equals":
			if len(args) != 2 {
				return false, errors.New("Fn::Equals wants two values")
			}
			a, err := r.String(args[0])
			if err != nil {
				return false, err
			}
			b, err := r.String(args[1])
			return a == b, err
		case "Fn::Not":
			if len(args) != 1 {
				return false, errors.New("Fn::Not wants one condition")
			}
			v, err := r.evalCondition(args[0])
			return !v, err
		case "Fn::And", "Fn::Or":
			all := fn == "Fn::And"
			for _, a := range args {
				v, err := r.evalCondition(a)
				if err != nil {
					return false, err
				}
				if v != all {
					return v, nil
				}
			}
			return all, nil
		}
		return false, fmt.Errorf("%s is not a condition function", fn)
	}
	return false, nil
}

var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

func (r *Resolver) sub(arg any) (any, error) {
	str, vars := subArgs(arg)
	local := map[string]string{}
	for k, v := range vars {
		s, err := r.String(v)
		if err != nil {
			return nil, err
		}
		local[k] = s
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(str, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := local[name]; ok {
			return v
		}
		if logical, attr, ok := strings.Cut(name, "."); ok {
			if v, ok := r.Attrs[logical][attr]; ok {
				return v
			}
		} else if v, ok := r.Values[name]; ok {
			return v
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("${%s} is not known", name)
		}
		return m
	})
	if firstErr != nil {
		return nil, firstErr
	}
	return strings.ReplaceAll(out, "${!", "${"), nil
}

func (r *Resolver) list(v any) ([]string, error) {
	res, err := r.resolve(v)
	if err != nil {
		return nil, err
	}
	items, ok := res.([]any)
	if !ok {
		return nil, fmt.Errorf("%v is not a list", res)
	}
	out := make([]string, len(items))
	for i, it := range items {
		if out[i], err = scalar(it); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scalar(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case json.Number:
		return v.String(), nil
	}
	return "", fmt.Errorf("%v is not a string", v)
}

func getAttArgs(arg any) (logical, attr string, err error) {
	switch a := arg.(type) {
	case []any:
		if len(a) == 2 {
			logical, _ = a[0].(string)
			attr, _ = a[1].(string)
		}
	case string:
		logical, attr, _ = strings.Cut(a, ".")
	}
	if logical == "" || attr == "" {
		return "", "", fmt.Errorf("wants [logicalId, attribute], got %v", arg)
	}
	return logical, attr, nil
}

func subArgs(arg any) (string, map[string]any) {
	switch a := arg.(type) {
	case string:
		return a, nil
	case []any:
		if len(a) == 2 {
			s, _ := a[0].(string)
			vars, _ := a[1].(map[string]any)
			return s, vars
		}
	}
	return "", nil
}

func subNames(s string) []string {
	var out []string
	for _, m := range subVar.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
