package keyring

import (
	"context"
	"errors"
	"fmt"

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
	return rewrite(doc, func(v jsontext.Value, members []member) (jsontext.Value, bool, error) {
		return show(ctx, keys, v, members)
	})
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
