package keyring_test

import (
	"context"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/keyring"
)

func contactOf(subject string) events.Contact {
	return events.Contact{Email: subject[:8] + "@example.com", Name: "Person " + subject[:8]}
}

func openContact(ctx context.Context, keys keyring.Keys, s any) (events.Contact, error) {
	return keyring.Open(ctx, keys, s.(events.Sealed[events.Contact]))
}
