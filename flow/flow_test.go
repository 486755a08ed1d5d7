package flow_test

import (
	"testing"
	"time"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/flow"
)

func record(id, causedBy string, at time.Time) eventstore.Record {
	return eventstore.Record{StreamID: "s", Version: 1, Envelope: events.Envelope{EventID: id, EventType: "t", Timestamp: at,
		Metadata: events.Metadata{CorrelationID: "c", CausationID: causedBy}}}
}

func TestEachEventHangsUnderItsCauseAndHopsAreTimedFromTheFirst(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	f := flow.Tree("c", []eventstore.Record{
		record("b", "a", t0.Add(30*time.Millisecond)), // out of order on purpose
		record("a", "request-1", t0),
		record("c", "b", t0.Add(50*time.Millisecond)),
	})
	if f.Events != 3 || f.Span != 50*time.Millisecond || len(f.Causes) != 1 || f.Causes[0].ID != "request-1" {
		t.Fatalf("flow = %+v", f)
	}
	a := f.Causes[0].Caused[0]
	if a.EventID != "a" || len(a.Caused) != 1 || a.Caused[0].EventID != "b" || a.Caused[0].Caused[0].EventID != "c" {
		t.Fatalf("tree is not a → b → c: %+v", a)
	}
	if got := a.Caused[0].Caused[0].Offset; got != 50*time.Millisecond {
		t.Errorf("c's offset = %v, want 50ms", got)
	}
}

func TestAFlowWithoutEventsIsEmpty(t *testing.T) {
	if f := flow.Tree("c", nil); f.Events != 0 || len(f.Causes) != 0 {
		t.Errorf("flow = %+v", f)
	}
}
