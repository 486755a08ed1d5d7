package events

import (
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/eventshop/eventshop/jsoncheck"
)

// Events are kept for ever, and so is anything in them. What must not be,
// they carry sealed or encrypted: a person's contact under the data key of
// that person alone, which forgetting them deletes (crypto-shredding; see
// package keyring), and a secret under a KMS key that only its one reader
// may decrypt with. These types are that data as events carry it; this
// package neither seals nor opens anything.

// Contact is how to write to a person. It is personal data: events and
// tables hold it only sealed.
type Contact struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Check checks the contact strictly against its schema
// (schemas/common.json#/$defs/contact), as a producer must before sealing
// it, since nothing can look inside it after.
func (c Contact) Check() error {
	raw, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode contact: %w", err)
	}
	if err := jsoncheck.Check(raw, jsoncheck.Strict, checkCommonContact); err != nil {
		return invalid(err, "")
	}
	return nil
}

// Sealed is a value of T sealed under the data key of the person it is
// about, its subject: AES-256-GCM of T's JSON. Package keyring seals and
// opens it.
//
// Legacy holds T in clear instead, in data upcast from a version written
// before T was sealed; nothing writes it.
type Sealed[T any] struct {
	Subject    string `json:"subject"`
	Ciphertext []byte `json:"ciphertext,omitzero"`
	Legacy     *T     `json:"legacy,omitzero"`
}

// Secret is a secret encrypted by KMS for its one reader: a password reset
// token, say. Legacy holds it in clear instead, in data upcast from a
// version written before it was encrypted; nothing writes it.
type Secret struct {
	Ciphertext []byte `json:"ciphertext,omitzero"`
	Legacy     string `json:"legacy,omitzero"`
}

// Person is whom an event is about or for: their user id, and their sealed
// contact, to write to them by while they are not forgotten.
type Person struct {
	UserID  string          `json:"userId"`
	Contact Sealed[Contact] `json:"contact"`
}

// legacyPerson is the person of data written before contacts were sealed.
func legacyPerson(userID, email, name string) Person {
	return Person{UserID: userID, Contact: Sealed[Contact]{Subject: userID, Legacy: &Contact{Email: email, Name: name}}}
}

// Personal is a payload that carries a person's sealed data: DataSubject
// says who they are, and how to write to them while they are not
// forgotten.
type Personal interface {
	Payload
	DataSubject() Person
}

// checkSubject checks what a schema cannot: that a payload's contact is
// sealed for the person it names.
func checkSubject(p Payload) error {
	personal, ok := p.(Personal)
	if !ok {
		return nil
	}
	if s := personal.DataSubject(); s.Contact.Subject != s.UserID {
		return &InvalidError{Field: "data", Reason: "the contact is sealed for another person than the one it names"}
	}
	return nil
}

// DataSubject implements [Personal].
func (p UserRegistered) DataSubject() Person { return Person{UserID: p.UserID, Contact: p.Contact} }

// DataSubject implements [Personal].
func (p UserPasswordReset) DataSubject() Person { return Person{UserID: p.UserID, Contact: p.Contact} }

// DataSubject implements [Personal].
func (p OrderPlaced) DataSubject() Person { return p.Customer }

// DataSubject implements [Personal].
func (p OrderCancelled) DataSubject() Person { return p.Customer }

// DataSubject implements [Personal].
func (p OrderShipped) DataSubject() Person { return p.Customer }

// DataSubject implements [Personal].
func (p OrderConfirmed) DataSubject() Person { return p.Customer }

// DataSubject implements [Personal].
func (p OrderRejected) DataSubject() Person { return p.Customer }

// DataSubject implements [Personal].
func (p OrderExpired) DataSubject() Person { return p.Customer }
