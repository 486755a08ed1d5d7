package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/eventshop/eventshop/events"
)

// What a view of events shows in place of what it cannot show.
const (
	// Redacted stands for the personal data of a forgotten subject.
	Redacted = "[redacted]"
	// Hidden stands for a secret, which is for its one reader only.
	Hidden = "[secret]"
	// Unopened stands for personal data that the reader has no keys to
	// open.
	Unopened = "[sealed]"
)

// Reveal returns a view of a JSON document — an event's data, say — for a
// person to read: each sealed value in it (an object of a subject and a
// ciphertext, or legacy data) replaced by what it seals, or by Redacted if
// its subject is forgotten, and each secret (an object of a ciphertext or
// legacy data alone) by Hidden. With no keys, every sealed value but
// legacy data shows as Unopened. The order of members is kept. A value
// that does not open is an error wrapping ErrUnreadable.
func Reveal(ctx context.Context, keys Keys, doc []byte) ([]byte, error) {
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out)
	if err := reveal(ctx, keys, jsontext.Value(doc), enc); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(out.Bytes()), nil
}

// The JSON members the views look for: those of events.Sealed and
// events.Person, whose tags a test holds them to.
const (
	memberSubject    = "subject"
	memberCiphertext = "ciphertext"
	memberLegacy     = "legacy"
	memberUserID     = "userId"
	memberContact    = "contact"
)

// member is one member of an object.
type member struct {
	name  string
	value jsontext.Value
}

func reveal(ctx context.Context, keys Keys, v jsontext.Value, enc *jsontext.Encoder) error {
	switch v.Kind() {
	case '{':
		members, err := membersOf(v)
		if err != nil {
			return err
		}
		if shown, ok, err := show(ctx, keys, v, members); ok || err != nil {
			if err != nil {
				return err
			}
			return enc.WriteValue(shown)
		}
		if err := enc.WriteToken(jsontext.BeginObject); err != nil {
			return err
		}
		for _, m := range members {
			if err := enc.WriteToken(jsontext.String(m.name)); err != nil {
				return err
			}
			if err := reveal(ctx, keys, m.value, enc); err != nil {
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
			if err := reveal(ctx, keys, it, enc); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndArray)
	default:
		return enc.WriteValue(v)
	}
}

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

// show returns what stands for a sealed value or a secret, and whether the
// members are one.
func show(ctx context.Context, keys Keys, v jsontext.Value, members []member) (jsontext.Value, bool, error) {
	names := map[string]jsontext.Value{}
	for _, m := range members {
		names[m.name] = m.value
	}
	_, hasSubject := names[memberSubject]
	_, hasCiphertext := names[memberCiphertext]
	_, hasLegacy := names[memberLegacy]
	switch {
	case len(names) == 2 && hasSubject && (hasCiphertext || hasLegacy):
		var s events.Sealed[jsontext.Value]
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, false, nil // not one after all
		}
		if keys == nil && s.Legacy == nil {
			return jsontext.Value(`"` + Unopened + `"`), true, nil
		}
		plaintext, err := Open(ctx, keys, s)
		if errors.Is(err, ErrForgotten) {
			return jsontext.Value(`"` + Redacted + `"`), true, nil
		}
		if err != nil {
			return nil, true, fmt.Errorf("sealed value of %s: %w", s.Subject, err)
		}
		return plaintext, true, nil
	case len(names) == 1 && (hasCiphertext || hasLegacy):
		return jsontext.Value(`"` + Hidden + `"`), true, nil
	}
	return nil, false, nil
}
