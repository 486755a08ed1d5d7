package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

// storeOf is an event store holding the streams named, each with that
// many events of the flow the stream is named by.
func storeOf(t *testing.T, streams map[string]int) *eventstore.Memory {
	t.Helper()
	store := eventstore.NewMemory()
	for stream, n := range streams {
		var envs []events.Envelope
		for range n {
			env, err := events.New(events.UserForgotten{UserID: uuid.NewString()}, events.Metadata{CorrelationID: "flow-of-" + stream, CausationID: "test"})
			if err != nil {
				t.Fatal(err)
			}
			envs = append(envs, env)
		}
		if err := store.Append(context.Background(), stream, 0, envs...); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// failingVersions is a store whose streams' versions cannot be read.
type failingVersions struct{ *eventstore.Memory }

func (failingVersions) Version(context.Context, string) (int, error) {
	return 0, errors.New("throttled")
}

// told is the message of err as evctl prints it, and its exit status.
func told(err error) (int, string) {
	var errOut bytes.Buffer
	code := status(err, &errOut)
	return code, errOut.String()
}

func TestAStreamWithoutEventsSaysWhichStreamsWereMeant(t *testing.T) {
	id, user := uuid.NewString(), uuid.NewString()
	order, userStream, suppression := contract.OrderStream.ID(id), contract.UserStream.ID(user), contract.SuppressionStream.ID(user)
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	store := storeOf(t, map[string]int{order: 3, userStream: 1, suppression: 2})
	for _, tt := range []struct {
		name   string
		store  eventReader
		stream string
		from   int
		want   []string          // what the message holds; none if the stream loads
		exact  string            // the message, if the test knows it whole
		kinds  []contract.Stream // kinds the message names as <aggregate>
	}{
		{name: "a stream with events loads", store: store, stream: order},
		{name: "a bare id of one stream with events names that stream", store: store, stream: id,
			want: []string{`no events in stream ` + q(id), "streams are named <aggregate>-<id>", "of the streams of that id only " + q(order) + " has events (3 events): did you mean it?"}},
		{name: "a bare id of several streams with events names them", store: store, stream: user,
			want: []string{"did you mean " + q(suppression) + " (2 events) or " + q(userStream) + " (1 event)?"}},
		{name: "a bare id of no stream names every stream it could be", store: store, stream: uuid.Nil.String(),
			want: []string{"streams are named <aggregate>-<id>", q(contract.OrderStream.ID(uuid.Nil.String())), q(contract.UserStream.ID(uuid.Nil.String())), "have none either"}},
		{name: "a bare id whose candidates cannot be read names them all to try", store: failingVersions{store}, stream: id,
			want: []string{"streams are named <aggregate>-<id>: try ", q(order), " or " + q(contract.UserStream.ID(id))}},
		{name: "a stream of a known kind says only that it has no events", store: store, stream: contract.OrderStream.ID(user),
			exact: "evctl: no events in stream " + q(contract.OrderStream.ID(user)) + "\n"},
		{name: "a name of no kind that is no id says how streams are named", store: store, stream: "orders-42",
			want: []string{"streams are named <aggregate>-<id>, where <aggregate> is "}, kinds: []contract.Stream{contract.OrderStream, contract.UserStream}},
		{name: "a replay from beyond the stream's end says how far it goes", store: store, stream: order, from: 4,
			exact: "evctl: stream " + q(order) + " has 3 events, none from version 4\n"},
		{name: "a replay from a version the stream has loads", store: store, stream: order, from: 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from := max(tt.from, 1)
			records, err := loadStream(context.Background(), tt.store, tt.stream, from)
			if tt.want == nil && tt.exact == "" {
				if err != nil || len(records) == 0 || records[0].Version != from {
					t.Errorf("%d records from v%d, %v", len(records), from, err)
				}
				return
			}
			code, msg := told(err)
			if code != 1 {
				t.Errorf("exits with %d, want 1", code)
			}
			if tt.exact != "" && msg != tt.exact {
				t.Errorf("message %q, want %q", msg, tt.exact)
			}
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			_, named, _ := strings.Cut(strings.TrimSpace(msg), "<aggregate> is ")
			aggregates := strings.FieldsFunc(strings.ReplaceAll(named, " or ", ","), func(r rune) bool { return r == ',' || r == ' ' })
			for _, k := range tt.kinds {
				if !slices.Contains(aggregates, strings.TrimSuffix(string(k), "-")) {
					t.Errorf("message names the aggregates %q, not %s:\n%s", aggregates, k, msg)
				}
			}
		})
	}
}

func TestAnUnknownFlowSaysWhereCorrelationIDsComeFrom(t *testing.T) {
	order := contract.OrderStream.ID(uuid.NewString())
	store := storeOf(t, map[string]int{order: 2})
	for _, tt := range []struct {
		name  string
		id    string
		want  []string // what the message holds; none if the flow loads
		avoid []string // what it must not say
	}{
		{name: "a flow with events loads", id: "flow-of-" + order},
		{name: "an unknown id says where ids come from", id: "no-such-flow",
			want:  []string{`no events in flow "no-such-flow"`, "correlation id", contract.CorrelationHeader + " response header", "metadata.correlationId"},
			avoid: []string{"evctl history"}},
		{name: "a stream's name says it is a stream", id: order,
			want: []string{contract.CorrelationHeader, fmt.Sprintf("%q is a stream of 2 events: evctl history %s", order, order)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			records, err := loadFlow(context.Background(), store, tt.id)
			if tt.want == nil {
				if err != nil || len(records) == 0 {
					t.Errorf("%d records, %v", len(records), err)
				}
				return
			}
			code, msg := told(err)
			if code != 1 {
				t.Errorf("exits with %d, want 1", code)
			}
			for _, want := range tt.want {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}
			for _, unwanted := range tt.avoid {
				if strings.Contains(msg, unwanted) {
					t.Errorf("message says %q:\n%s", unwanted, msg)
				}
			}
		})
	}
}
