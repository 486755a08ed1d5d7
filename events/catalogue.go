package events

import (
	"slices"
	"strings"
)

// Sources name the service that publishes an event; EventBridge rules and
// IAM conditions match on them.
const (
	SourceUser         = "eventshop.user"
	SourceOrder        = "eventshop.order"
	SourceNotification = "eventshop.notification"
)

// Event types, named <aggregate>.<pastTense>.
const (
	TypeUserRegistered = "user.registered"
)

// UserRegistered is published once a user has been stored; its email is
// unique among users.
type UserRegistered struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	Name   string `json:"name"`
}

// EventType implements [Payload].
func (UserRegistered) EventType() string { return TypeUserRegistered }

// Definition is one entry of the catalogue.
type Definition struct {
	// Type is the event type, also the EventBridge detail-type.
	Type string
	// Version is the payload version this build publishes and accepts; its
	// schema is schemas/<Type>.v<Version>.json.
	Version int
	// Source is the only service allowed to publish the type.
	Source string
	// Payload is the zero value of the payload struct.
	Payload Payload
}

// catalogue lists every event type eventshop knows. Keep it sorted by type.
var catalogue = []Definition{
	{Type: TypeUserRegistered, Version: 1, Source: SourceUser, Payload: UserRegistered{}},
}

// Lookup returns the catalogue entry for an event type.
func Lookup(eventType string) (Definition, bool) {
	i, ok := slices.BinarySearchFunc(catalogue, eventType, func(d Definition, t string) int {
		return strings.Compare(d.Type, t)
	})
	if !ok {
		return Definition{}, false
	}
	return catalogue[i], true
}

// Catalogue returns every entry, sorted by type.
func Catalogue() []Definition { return slices.Clone(catalogue) }
