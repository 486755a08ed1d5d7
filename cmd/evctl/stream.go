package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

// eventReader is what evctl reads of the event store. Its methods keep
// the contracts of [eventstore.Dynamo]'s; [eventstore.Memory] is one too,
// for tests.
type eventReader interface {
	Load(ctx context.Context, streamID string, from int) ([]eventstore.Record, error)
	Version(ctx context.Context, streamID string) (int, error)
	ByCorrelation(ctx context.Context, correlationID string) ([]eventstore.Record, error)
}

var _ eventReader = (*eventstore.Dynamo)(nil)

// loadStream loads a stream's events from a version on, each at its type's
// latest version. A stream without events there is an error that says
// which streams the operator perhaps meant.
func loadStream(ctx context.Context, store eventReader, stream string, from int) ([]eventstore.Record, error) {
	records, err := store.Load(ctx, stream, from)
	if err == nil {
		records, err = eventstore.Latest(records)
	}
	if err != nil || len(records) > 0 {
		return records, err
	}
	if from > 1 {
		if v, err := store.Version(ctx, stream); err == nil && v > 0 {
			return nil, fmt.Errorf("stream %q has %s, none from version %d", stream, eventCount(v), from)
		}
	}
	return nil, noEvents(ctx, store, stream)
}

// noEvents says that a stream has no events. If its name has no kind,
// such as a bare order id, it names the streams of that id, and says
// which of them have events.
func noEvents(ctx context.Context, store eventReader, id string) error {
	msg := fmt.Sprintf("no events in stream %q; streams are named <aggregate>-<id>", id)
	kinds := streamKinds()
	switch {
	case isStream(id):
		return fmt.Errorf("no events in stream %q", id)
	case uuid.Validate(id) != nil:
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = strings.TrimSuffix(string(k), "-")
		}
		return fmt.Errorf("%s, where <aggregate> is %s", msg, enumerate(names, "or"))
	}
	candidates := make([]string, len(kinds))
	for i, k := range kinds {
		candidates[i] = fmt.Sprintf("%q", k.ID(id))
	}
	var found, counts []string
	for i, k := range kinds {
		v, err := store.Version(ctx, k.ID(id))
		if err != nil {
			// Only a hint is lost: name the candidates unchecked.
			return fmt.Errorf("%s: try %s", msg, enumerate(candidates, "or"))
		}
		if v > 0 {
			found, counts = append(found, candidates[i]), append(counts, eventCount(v))
		}
	}
	switch len(found) {
	case 0:
		return fmt.Errorf("%s, and %s have none either", msg, enumerate(candidates, "and"))
	case 1:
		return fmt.Errorf("%s, and of the streams of that id only %s has events (%s): did you mean it?", msg, found[0], counts[0])
	}
	for i := range found {
		found[i] += " (" + counts[i] + ")"
	}
	return fmt.Errorf("%s: did you mean %s?", msg, enumerate(found, "or"))
}

// streamKinds are the kinds of event store stream, from the functions
// that write them, in the order of their names.
func streamKinds() []contract.Stream {
	var kinds []contract.Stream
	for _, f := range contract.Functions() {
		for _, k := range f.Streams() {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	slices.Sort(kinds)
	return kinds
}

// isStream says whether name begins with the prefix of a kind of stream.
func isStream(name string) bool {
	return slices.ContainsFunc(streamKinds(), func(k contract.Stream) bool { return strings.HasPrefix(name, string(k)) })
}

// enumerate joins items as a sentence does: "a", "a or b", "a, b or c".
func enumerate(items []string, conjunction string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conjunction + " " + items[len(items)-1]
}

func eventCount(n int) string {
	if n == 1 {
		return "1 event"
	}
	return fmt.Sprintf("%d events", n)
}

// recordJSON is an event of a stream as history --json prints it: as the
// HTTP API's order history does, with its stream's name.
type recordJSON struct {
	StreamID string          `json:"streamId"`
	Version  int             `json:"version"`
	Envelope events.Envelope `json:"envelope"`
}

// historyJSON is what history --json prints.
func historyJSON(records []eventstore.Record) []recordJSON {
	out := make([]recordJSON, len(records))
	for i, r := range records {
		out[i] = recordJSON{StreamID: r.StreamID, Version: r.Version, Envelope: r.Envelope}
	}
	return out
}

// loadFlow loads a flow's events. A flow without events is an error that
// says where correlation ids come from.
func loadFlow(ctx context.Context, store eventReader, correlationID string) ([]eventstore.Record, error) {
	records, err := store.ByCorrelation(ctx, correlationID)
	if err != nil || len(records) > 0 {
		return records, err
	}
	msg := fmt.Sprintf("no events in flow %q: a flow is named by its correlation id, which an API call returns in its %s response header "+
		"and each of the flow's events holds as metadata.correlationId (evctl tail and history show it)", correlationID, contract.CorrelationHeader)
	if isStream(correlationID) {
		if v, err := store.Version(ctx, correlationID); err == nil && v > 0 {
			msg += fmt.Sprintf("; %q is a stream of %s: evctl history %s", correlationID, eventCount(v), correlationID)
		}
	}
	return nil, errors.New(msg)
}
