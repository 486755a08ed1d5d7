package tap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/eventbus/tap"
)

func TestATapsNameSaysWhoReadsItAndWhenItWasOpened(t *testing.T) {
	at := time.Unix(1_790_000_000, 0)
	for _, name := range []string{tap.Name(at), tap.NameWith(tap.ConsolePrefix, at)} {
		if opened, ok := tap.Opened(name); !ok || !opened.Equal(at) {
			t.Errorf("%s: opened %v, %v; want %v", name, opened, ok, at)
		}
	}
	if !strings.HasPrefix(tap.Name(at), tap.Prefix) || !strings.HasPrefix(tap.NameWith(tap.ConsolePrefix, at), tap.ConsolePrefix) {
		t.Error("a tap's name does not begin with its reader's prefix")
	}
	for _, other := range []string{"evctl-tail-notes", "console-tap-1790000000", "orders-1790000000-0123abcd", "evctl-tail-1790000000-0123abcd-x"} {
		if _, ok := tap.Opened(other); ok {
			t.Errorf("%q taken for a tap's name: a sweep would remove it", other)
		}
	}
}
