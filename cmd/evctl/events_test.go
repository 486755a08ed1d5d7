package main

import (
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

func TestAReplayIsMarkedAndStartsATraceOfItsOwn(t *testing.T) {
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()}, events.Metadata{
		CorrelationID: "flow-1", CausationID: "request-1", TraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := replays([]eventstore.Record{{StreamID: "user-1", Version: 1, Envelope: env}})
	if len(got) != 1 {
		t.Fatalf("%d replays of 1 event", len(got))
	}
	r := got[0]
	if !r.Metadata.Replay || r.Metadata.TraceHeader != "" {
		t.Errorf("replay metadata = %+v, want marked and without the original trace header", r.Metadata)
	}
	if r.EventID != env.EventID || r.Metadata.CorrelationID != "flow-1" || r.Metadata.CausationID != "request-1" || string(r.Data) != string(env.Data) {
		t.Errorf("replay = %+v, want the same event in the same flow", r)
	}
	if env.Metadata.TraceHeader == "" || env.Metadata.Replay {
		t.Error("replays changed the stored envelope")
	}
}
