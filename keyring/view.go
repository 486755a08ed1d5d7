package keyring

import (
	"context"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/eventshop/eventshop/events"
)

// SealView is Reveal's reverse, for tools that write events by hand from
// what Reveal shows: in a JSON document, each contact shown open — a
// "contact" object of an email and a name, beside the "userId" of the
// person it is about — is checked and sealed under that person's key,
// which key returns. Everything else is kept as it is.
func SealView(ctx context.Context, key func(ctx context.Context, subject string) (*Key, error), doc []byte) ([]byte, error) {
	return rewrite(doc, func(_ jsontext.Value, members []member) (jsontext.Value, bool, error) {
		return nil, false, sealContact(ctx, key, members)
	})
}

// sealContact seals the open contact among an object's members, if it
// holds one beside a userId, in place.
func sealContact(ctx context.Context, key func(context.Context, string) (*Key, error), members []member) error {
	var userID string
	contact := -1
	for i, m := range members {
		switch m.name {
		case memberUserID:
			// Not a string: not a person's id, and nothing to seal.
			_ = json.Unmarshal(m.value, &userID)
		case memberContact:
			contact = i
		}
	}
	if userID == "" || contact < 0 || members[contact].value.Kind() != '{' {
		return nil
	}
	var c events.Contact
	if err := json.Unmarshal(members[contact].value, &c, json.RejectUnknownMembers(true)); err != nil {
		return nil // not an open contact: sealed already, say
	}
	if err := c.Check(); err != nil {
		return fmt.Errorf("the contact of %s: %w", userID, err)
	}
	k, err := key(ctx, userID)
	if err != nil {
		return err
	}
	sealed, err := Seal(k, c)
	if err != nil {
		return err
	}
	if members[contact].value, err = json.Marshal(sealed); err != nil {
		return err
	}
	return nil
}
