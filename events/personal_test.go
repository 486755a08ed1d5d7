package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"reflect"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/eventstest"
	"github.com/eventshop/eventshop/keyring"
	"github.com/eventshop/eventshop/keyring/keyringtest"
)

// What must not be kept in clear: a person's contact, anything the
// schemas call an email or a name, and secrets. The latest version of every
// type — what producers write from now on — carries them only sealed
// (common.json#/$defs/sealedContact) or encrypted (#/$defs/secret), and a
// test fails when a new type or version carries one in clear.
var (
	clearDefs    = []string{"common.json#/$defs/email", "common.json#/$defs/name", "common.json#/$defs/contact", "common.json#/$defs/customer"}
	secretNames  = []string{"token", "password", "secret", "otp", "code"}
	sealedOrShut = map[string]bool{"common.json#/$defs/sealedContact": true, "common.json#/$defs/secret": true}
)

func TestNoLatestVersionCarriesPersonalDataOrASecretInClear(t *testing.T) {
	for _, def := range events.Catalogue() {
		file := def.SchemaFile(def.Latest())
		for _, at := range clearIn(t, file, "", map[string]bool{}) {
			t.Errorf("%s v%d carries %s in clear: seal it (common.json#/$defs/sealedContact) or encrypt it (#/$defs/secret), in a new version", def.Type, def.Latest(), at)
		}
	}
}

// clearIn walks a schema file, or one of its $defs (ptr), and the schemas
// its $refs reach, and returns where it finds personal data or a secret
// that is not sealed.
func clearIn(t *testing.T, file, ptr string, seen map[string]bool) []string {
	t.Helper()
	if seen[file+ptr] {
		return nil
	}
	seen[file+ptr] = true
	raw, err := os.ReadFile("schemas/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	node := any(doc)
	for _, p := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if p != "" {
			node = node.(map[string]any)[p]
		}
	}
	var found []string
	var walk func(at string, n any)
	walk = func(at string, n any) {
		switch n := n.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				target, targetPtr, _ := strings.Cut(ref, "#")
				if target == "" {
					target = file
				}
				full := path.Clean(target) + "#" + targetPtr
				switch {
				case sealedOrShut[full]:
					return
				case contains(clearDefs, full):
					found = append(found, fmt.Sprintf("%s (%s)", at, full))
					return
				}
				found = append(found, clearIn(t, target, targetPtr, seen)...)
			}
			if n["format"] == "email" {
				found = append(found, at+" (an email)")
			}
			if props, ok := n["properties"].(map[string]any); ok {
				for name, p := range props {
					if contains(secretNames, strings.ToLower(name)) && !refersTo(p, "common.json#/$defs/secret") {
						found = append(found, fmt.Sprintf("%s.%s (a secret)", at, name))
					}
					walk(at+"."+name, p)
				}
			}
			for _, k := range []string{"items", "$defs"} {
				if sub, ok := n[k]; ok {
					walk(at, sub)
				}
			}
		}
	}
	walk("data", node)
	return found
}

func refersTo(schema any, ref string) bool {
	m, ok := schema.(map[string]any)
	return ok && m["$ref"] == ref
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestTheLatestSamplesSealWhatTheSampleKeyringOpens(t *testing.T) {
	keys := keyringtest.Samples(t)
	ada := events.Contact{Email: "ada@example.com", Name: "Ada Lovelace"}
	for _, def := range events.Catalogue() {
		data := eventstest.Latest(t, def.Type).Data
		if strings.Contains(string(data), ada.Email) || strings.Contains(string(data), ada.Name) {
			t.Errorf("the %s sample holds Ada's contact in clear", def.Type)
		}
		payload := reflect.New(reflect.TypeOf(def.Payload))
		if err := json.Unmarshal(data, payload.Interface()); err != nil {
			t.Fatal(err)
		}
		personal, ok := payload.Elem().Interface().(events.Personal)
		if !ok {
			continue
		}
		person := personal.DataSubject()
		got, err := keyring.Open(context.Background(), keys, person.Contact)
		if err != nil || got != ada || person.Contact.Subject != person.UserID {
			t.Errorf("%s: the sealed contact of %s opens to %+v, %v", def.Type, person.Contact.Subject, got, err)
		}
	}
	keys.Delete(eventstest.SampleSubject)
	p, _ := events.Decode[events.OrderPlaced](eventstest.Latest(t, events.TypeOrderPlaced))
	if _, err := keyring.Open(context.Background(), keys, p.Customer.Contact); !errors.Is(err, keyring.ErrForgotten) {
		t.Errorf("after Ada is forgotten her contact opens: %v", err)
	}
}

// TestEveryPayloadThatCarriesAContactNamesItsDataSubject: whatever holds
// a sealed contact says whose it is (events.Personal), which is how the
// notification service finds whom to write to, and whom not to.
func TestEveryPayloadThatCarriesAContactNamesItsDataSubject(t *testing.T) {
	sealed := reflect.TypeOf(events.Sealed[events.Contact]{})
	var carries func(reflect.Type) bool
	carries = func(typ reflect.Type) bool {
		switch typ.Kind() {
		case reflect.Struct:
			if typ == sealed {
				return true
			}
			for i := range typ.NumField() {
				if carries(typ.Field(i).Type) {
					return true
				}
			}
		case reflect.Slice, reflect.Pointer:
			return carries(typ.Elem())
		}
		return false
	}
	for _, def := range events.Catalogue() {
		_, personal := def.Payload.(events.Personal)
		if c := carries(reflect.TypeOf(def.Payload)); c != personal {
			t.Errorf("%s carries a sealed contact: %v; implements events.Personal: %v", def.Type, c, personal)
		}
	}
}
