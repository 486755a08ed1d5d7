package keyring

import (
	"bytes"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// member is one member of an object.
type member struct {
	name  string
	value jsontext.Value
}

// objectFunc sees each object of a document, outermost first, with its
// members: it may replace the object whole (returning the value and true)
// or change its members' values in place, which are then rewritten in
// turn.
type objectFunc func(v jsontext.Value, members []member) (jsontext.Value, bool, error)

// rewrite returns doc with each of its objects passed to object, the
// order of members kept; arrays and scalars stay as they are.
func rewrite(doc []byte, object objectFunc) ([]byte, error) {
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out)
	if err := rewriteValue(jsontext.Value(doc), enc, object); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(out.Bytes()), nil
}

func rewriteValue(v jsontext.Value, enc *jsontext.Encoder, object objectFunc) error {
	switch v.Kind() {
	case '{':
		members, err := membersOf(v)
		if err != nil {
			return err
		}
		if replaced, ok, err := object(v, members); ok || err != nil {
			if err != nil {
				return err
			}
			return enc.WriteValue(replaced)
		}
		if err := enc.WriteToken(jsontext.BeginObject); err != nil {
			return err
		}
		for _, m := range members {
			if err := enc.WriteToken(jsontext.String(m.name)); err != nil {
				return err
			}
			if err := rewriteValue(m.value, enc, object); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndObject)
	case '[':
		var items []jsontext.Value
		if err := json.Unmarshal(v, &items); err != nil {
			return err
		}
		if err := enc.WriteToken(jsontext.BeginArray); err != nil {
			return err
		}
		for _, it := range items {
			if err := rewriteValue(it, enc, object); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndArray)
	default:
		return enc.WriteValue(v)
	}
}

// membersOf reads an object's members, in order.
func membersOf(v jsontext.Value) ([]member, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(v))
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	var members []member
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil, err
		}
		m := member{name: name.String()}
		value, err := dec.ReadValue()
		if err != nil {
			return nil, err
		}
		m.value = slices.Clone(value)
		members = append(members, m)
	}
	return members, nil
}
