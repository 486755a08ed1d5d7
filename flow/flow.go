// Package flow draws one correlation id's causal tree from the event
// store's records: each event under the event that caused it, and the
// events that something outside the flow caused (a request, a tool) under
// that cause. evctl trace prints it; the local console draws it.
package flow

import (
	"slices"
	"time"

	"github.com/eventshop/eventshop/eventstore"
)

// Node is an event of a flow with the events it caused.
type Node struct {
	Stream    string        `json:"stream"`
	Version   int           `json:"version"`
	EventID   string        `json:"eventId"`
	EventType string        `json:"eventType"`
	Source    string        `json:"source"`
	At        time.Time     `json:"at"`
	Offset    time.Duration `json:"offsetNs"` // since the flow's first event
	Caused    []*Node       `json:"caused,omitempty"`
}

// Cause is what started events of a flow that no event of it caused: a
// request, or a tool like evctl.
type Cause struct {
	ID     string  `json:"causationId"`
	Caused []*Node `json:"caused"`
}

// Flow is one correlation id's causal tree.
type Flow struct {
	CorrelationID string        `json:"correlationId"`
	Events        int           `json:"events"`
	Span          time.Duration `json:"spanNs"`
	Causes        []Cause       `json:"causes"`
}

// Tree links each event to the one that caused it; events caused by
// something outside the flow hang under that cause. It orders records by
// time, in place. No records make an empty flow.
func Tree(correlationID string, records []eventstore.Record) Flow {
	f := Flow{CorrelationID: correlationID, Events: len(records), Causes: []Cause{}}
	if len(records) == 0 {
		return f
	}
	slices.SortStableFunc(records, func(a, b eventstore.Record) int { return a.Envelope.Timestamp.Compare(b.Envelope.Timestamp) })
	start := records[0].Envelope.Timestamp
	nodes := map[string]*Node{}
	for _, r := range records {
		e := r.Envelope
		nodes[e.EventID] = &Node{Stream: r.StreamID, Version: r.Version, EventID: e.EventID, EventType: e.EventType,
			Source: e.Source, At: e.Timestamp, Offset: e.Timestamp.Sub(start)}
	}
	f.Span = records[len(records)-1].Envelope.Timestamp.Sub(start)
	external := map[string]int{} // cause id → index in f.Causes
	for _, r := range records {
		n, causedBy := nodes[r.Envelope.EventID], r.Envelope.Metadata.CausationID
		if parent, ok := nodes[causedBy]; ok && parent != n {
			parent.Caused = append(parent.Caused, n)
			continue
		}
		i, ok := external[causedBy]
		if !ok {
			i = len(f.Causes)
			external[causedBy] = i
			f.Causes = append(f.Causes, Cause{ID: causedBy})
		}
		f.Causes[i].Caused = append(f.Causes[i].Caused, n)
	}
	return f
}
