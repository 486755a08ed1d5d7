package keyring

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/events"
)

func TestTheViewsLookForTheMembersTheEventsWrite(t *testing.T) {
	tags := map[string]bool{}
	for _, typ := range []reflect.Type{reflect.TypeOf(events.Sealed[events.Contact]{}), reflect.TypeOf(events.Person{})} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			tags[name] = true
		}
	}
	for _, m := range []string{memberSubject, memberCiphertext, memberLegacy, memberUserID, memberContact} {
		if !tags[m] {
			t.Errorf("the views look for %q, which events.Sealed and events.Person do not write", m)
		}
	}
}
