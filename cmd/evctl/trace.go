package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/eventshop/eventshop/eventstore"
)

// node is an event of a flow with the events it caused.
type node struct {
	Stream    string        `json:"stream"`
	Version   int           `json:"version"`
	EventID   string        `json:"eventId"`
	EventType string        `json:"eventType"`
	Source    string        `json:"source"`
	At        time.Time     `json:"at"`
	Offset    time.Duration `json:"offsetNs"` // since the flow's first event
	Caused    []*node       `json:"caused,omitempty"`
}

// cause is what started events of a flow that no event of it caused: a
// request, or a tool like evctl.
type cause struct {
	ID     string  `json:"causationId"`
	Caused []*node `json:"caused"`
}

// flow is one correlation id's causal tree.
type flow struct {
	CorrelationID string        `json:"correlationId"`
	Events        int           `json:"events"`
	Span          time.Duration `json:"spanNs"`
	Causes        []cause       `json:"causes"`
}

// traceCommand prints a flow's causal tree, from the event store's index
// by correlation id.
func traceCommand(ctx context.Context, opts options, args []string) error {
	cmd := newCommand("trace")
	if err := cmd.parse(args); err != nil {
		return err
	}
	if cmd.NArg() != 1 {
		return cmd.usage("name one correlation id")
	}
	args = cmd.Args()
	_, store, err := openStore(ctx, opts)
	if err != nil {
		return err
	}
	records, err := loadFlow(ctx, store, args[0])
	if err != nil {
		return err
	}
	f := tree(args[0], records)
	if opts.json {
		return json.NewEncoder(opts.out).Encode(f)
	}
	fmt.Fprintf(opts.out, "flow %s: %d events over %v\n", f.CorrelationID, f.Events, f.Span.Round(time.Millisecond))
	for _, c := range f.Causes {
		fmt.Fprintf(opts.out, "caused by %s (a request or a tool, outside the flow)\n", c.ID)
		printNodes(opts.out, c.Caused, "")
	}
	return nil
}

// tree links each event to the one that caused it; events caused by
// something outside the flow hang under that cause.
func tree(correlationID string, records []eventstore.Record) flow {
	slices.SortStableFunc(records, func(a, b eventstore.Record) int { return a.Envelope.Timestamp.Compare(b.Envelope.Timestamp) })
	start := records[0].Envelope.Timestamp
	nodes := map[string]*node{}
	for _, r := range records {
		e := r.Envelope
		nodes[e.EventID] = &node{Stream: r.StreamID, Version: r.Version, EventID: e.EventID, EventType: e.EventType,
			Source: e.Source, At: e.Timestamp, Offset: e.Timestamp.Sub(start)}
	}
	f := flow{CorrelationID: correlationID, Events: len(records), Span: records[len(records)-1].Envelope.Timestamp.Sub(start)}
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
			f.Causes = append(f.Causes, cause{ID: causedBy})
		}
		f.Causes[i].Caused = append(f.Causes[i].Caused, n)
	}
	return f
}

func printNodes(w io.Writer, nodes []*node, indent string) {
	for i, n := range nodes {
		branch, next := "├─ ", "│  "
		if i == len(nodes)-1 {
			branch, next = "└─ ", "   "
		}
		fmt.Fprintf(w, "%s%s%-20s %s v%d  +%v  %s\n", indent, branch, n.EventType, n.Stream, n.Version, n.Offset.Round(time.Millisecond), n.EventID)
		printNodes(w, n.Caused, indent+next)
	}
}
