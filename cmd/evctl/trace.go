package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/flow"
)

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

// tree is the flow's causal tree: see [flow.Tree].
func tree(correlationID string, records []eventstore.Record) flow.Flow {
	return flow.Tree(correlationID, records)
}

func printNodes(w io.Writer, nodes []*flow.Node, indent string) {
	for i, n := range nodes {
		branch, next := "├─ ", "│  "
		if i == len(nodes)-1 {
			branch, next = "└─ ", "   "
		}
		fmt.Fprintf(w, "%s%s%-20s %s v%d  +%v  %s\n", indent, branch, n.EventType, n.Stream, n.Version, n.Offset.Round(time.Millisecond), n.EventID)
		printNodes(w, n.Caused, indent+next)
	}
}
