// Package eventstoretest is the contract every event store implementation
// must satisfy, as one suite that any implementation's tests run.
package eventstoretest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

// Store is the contract under test.
type Store interface {
	Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error
	Load(ctx context.Context, streamID string, from int) ([]eventstore.Record, error)
	ByCorrelation(ctx context.Context, correlationID string) ([]eventstore.Record, error)
	Version(ctx context.Context, streamID string) (int, error)
}

// Run runs the contract against stores made by newStore. Each test gets
// its own store, or at least its own stream and correlation ids.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s Store)
	}{
		{"appended events load back in version order", appendThenLoad},
		{"load starts at the requested version", loadFromVersion},
		{"a stream that was never written is empty", loadMissingStream},
		{"an append at a stale version is refused and writes nothing", staleAppend},
		{"an append beyond the stream's end is refused", gapAppend},
		{"of concurrent appends at one version exactly one wins", concurrentAppends},
		{"a flow's events read back by correlation id, oldest first", byCorrelation},
		{"load reads every page of a long stream", longStream},
		{"the version is that of the last event", version},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, newStore(t)) })
	}
}

func appendThenLoad(t *testing.T, s Store) {
	ctx, stream := context.Background(), newStreamID()
	batch := envelopes(t, 3, newID())
	must(t, s.Append(ctx, stream, 0, batch...))
	next := envelopes(t, 1, newID())
	must(t, s.Append(ctx, stream, 3, next...))

	got, err := s.Load(ctx, stream, 1)
	must(t, err)
	assertRecords(t, got, stream, 1, append(batch, next...))
}

func loadFromVersion(t *testing.T, s Store) {
	ctx, stream := context.Background(), newStreamID()
	batch := envelopes(t, 5, newID())
	must(t, s.Append(ctx, stream, 0, batch...))
	got, err := s.Load(ctx, stream, 4)
	must(t, err)
	assertRecords(t, got, stream, 4, batch[3:])
}

func loadMissingStream(t *testing.T, s Store) {
	got, err := s.Load(context.Background(), newStreamID(), 1)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("got %d records from a stream never written", len(got))
	}
}

func staleAppend(t *testing.T, s Store) {
	ctx, stream := context.Background(), newStreamID()
	first := envelopes(t, 2, newID())
	must(t, s.Append(ctx, stream, 0, first...))

	err := s.Append(ctx, stream, 1, envelopes(t, 2, newID())...)
	assertConcurrency(t, err, stream, 1)
	got, err := s.Load(ctx, stream, 1)
	must(t, err)
	assertRecords(t, got, stream, 1, first)
}

func gapAppend(t *testing.T, s Store) {
	ctx, stream := context.Background(), newStreamID()
	must(t, s.Append(ctx, stream, 0, envelopes(t, 1, newID())...))
	assertConcurrency(t, s.Append(ctx, stream, 5, envelopes(t, 1, newID())...), stream, 5)
	got, err := s.Load(ctx, stream, 1)
	must(t, err)
	if len(got) != 1 {
		t.Errorf("stream has %d events, want 1", len(got))
	}
}

func concurrentAppends(t *testing.T, s Store) {
	ctx, stream := context.Background(), newStreamID()
	must(t, s.Append(ctx, stream, 0, envelopes(t, 1, newID())...))

	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	batches := make([][]events.Envelope, writers)
	for i := range writers {
		batches[i] = envelopes(t, 1, newID())
	}
	for i := range writers {
		wg.Go(func() { errs[i] = s.Append(ctx, stream, 1, batches[i]...) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, eventstore.ErrConcurrency):
			t.Errorf("a losing append returned %v, want ErrConcurrency", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d appends won, want exactly 1", wins)
	}
	got, err := s.Load(ctx, stream, 1)
	must(t, err)
	if len(got) != 2 {
		t.Errorf("stream has %d events, want 2", len(got))
	}
}

func byCorrelation(t *testing.T, s Store) {
	ctx, correlation := context.Background(), newID()
	var want []events.Envelope
	for i := range 3 {
		env := envelopes(t, 1, correlation)[0]
		want = append(want, env)
		must(t, s.Append(ctx, fmt.Sprintf("%s-%d", newStreamID(), i), 0, env))
	}
	must(t, s.Append(ctx, newStreamID(), 0, envelopes(t, 1, newID())...))

	var got []eventstore.Record
	deadline := time.Now().Add(5 * time.Second) // an index may lag its table
	for {
		var err error
		got, err = s.ByCorrelation(ctx, correlation)
		must(t, err)
		if len(got) >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events of the flow, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.Envelope.EventID != want[i].EventID {
			t.Errorf("event %d is %s, want %s", i, r.Envelope.EventID, want[i].EventID)
		}
	}
}

func longStream(t *testing.T, s Store) {
	ctx, stream := context.Background(), newStreamID()
	var all []events.Envelope
	for v := 0; v < 60; v += 20 {
		batch := envelopes(t, 20, newID())
		must(t, s.Append(ctx, stream, v, batch...))
		all = append(all, batch...)
	}
	got, err := s.Load(ctx, stream, 1)
	must(t, err)
	assertRecords(t, got, stream, 1, all)
}

func version(t *testing.T, s Store) {
	ctx, stream := context.Background(), newStreamID()
	v, err := s.Version(ctx, stream)
	must(t, err)
	if v != 0 {
		t.Errorf("a new stream is at version %d", v)
	}
	must(t, s.Append(ctx, stream, 0, envelopes(t, 3, newID())...))
	must(t, s.Append(ctx, stream, 3, envelopes(t, 1, newID())...))
	if v, err = s.Version(ctx, stream); err != nil || v != 4 {
		t.Errorf("version = %d, %v; want 4", v, err)
	}
}

func envelopes(t *testing.T, n int, correlation string) []events.Envelope {
	t.Helper()
	out := make([]events.Envelope, n)
	for i := range out {
		env, err := events.New(events.UserForgotten{UserID: newID()},
			events.Metadata{CorrelationID: correlation, CausationID: newID()})
		must(t, err)
		out[i] = env
		time.Sleep(time.Millisecond) // distinct timestamps: order by time is meaningful
	}
	return out
}

func assertRecords(t *testing.T, got []eventstore.Record, stream string, firstVersion int, want []events.Envelope) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.StreamID != stream || r.Version != firstVersion+i {
			t.Errorf("record %d is %s v%d, want %s v%d", i, r.StreamID, r.Version, stream, firstVersion+i)
		}
		if r.Envelope.EventID != want[i].EventID || !r.Envelope.Timestamp.Equal(want[i].Timestamp) ||
			string(r.Envelope.Data) != string(want[i].Data) || !reflect.DeepEqual(r.Envelope.Metadata, want[i].Metadata) {
			t.Errorf("record %d = %+v, want %+v", i, r.Envelope, want[i])
		}
	}
}

func assertConcurrency(t *testing.T, err error, stream string, expected int) {
	t.Helper()
	var ce *eventstore.ConcurrencyError
	if !errors.As(err, &ce) || ce.StreamID != stream || ce.Expected != expected {
		t.Errorf("err = %v, want a ConcurrencyError for %s at %d", err, stream, expected)
	}
}

func newID() string       { return uuid.NewString() }
func newStreamID() string { return "test-" + newID() }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
