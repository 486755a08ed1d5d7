package main

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// flowchart draws the system as mermaid: the API and its functions, the
// tables each function is given, the outbox through the relay to the bus,
// and each consumer's queue with its event types and dead-letter queue.
// All of it comes from the deployment contract and the catalogue.
func flowchart(m *model) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "    "+format+"\n", args...) }
	b.WriteString("flowchart LR\n")
	line("client([client]) --> api[API Gateway<br/>HTTP API]")
	for _, fn := range contract.Functions() {
		if len(fn.Routes()) == 0 {
			continue
		}
		var prefixes []string
		for _, r := range fn.Routes() {
			p := "/" + strings.SplitN(strings.TrimPrefix(r.Path(), "/"), "/", 2)[0] + "…"
			if !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p)
			}
		}
		line("api -- %q --> %s[%s λ]", strings.Join(prefixes, " "), fn, fn)
	}
	tables := map[contract.Var]string{
		contract.EnvEventsTable: "es[(event store)]", contract.EnvUsersTable: "users[(users)]", contract.EnvCustomersTable: "cust[(customers)]",
		contract.EnvStockTable: "stock[(stock)]",
	}
	for _, fn := range contract.Functions() {
		for _, v := range fn.Env() {
			node, ok := tables[v]
			if !ok {
				continue
			}
			label := "reads"
			switch {
			case v == contract.EnvEventsTable && fn.Consumes():
				label = "records what it did: " + strings.Join(recorded(fn), ", ")
			case v == contract.EnvEventsTable:
				label = "appends events, with state in one transaction"
			case v == contract.EnvStockTable && fn.Consumes():
				label = "moves stock, in the transaction of the event that records it"
			case fn.Consumes():
				label = "projects"
			case len(fn.Routes()) > 0 && (v == contract.EnvUsersTable || v == contract.EnvStockTable):
				label = "state"
			}
			line("%s -- %q --> %s", fn, label, node)
		}
	}
	line(`es -- "stream, NEW_IMAGE" --> %s[%s λ]`, contract.Relay, contract.Relay)
	line(`%s -- "PutEvents, ≤10 per call" --> bus{{EventBridge bus}}`, contract.Relay)
	line(`%s -. "retries exhausted" .-> rf[[relay failures]]`, contract.Relay)
	byConsumer := map[contract.Function][]string{}
	for _, s := range m.topology {
		byConsumer[s.Consumer] = append(byConsumer[s.Consumer], s.EventType)
	}
	for _, c := range slices.Sorted(maps.Keys(byConsumer)) {
		types := byConsumer[c]
		sort.Strings(types)
		q := string(c) + "Q"
		line("bus -- %q --> %s[[%s queue]]", strings.Join(types, " · "), q, c)
		line("%s --> %s[%s λ]", q, c, c)
		line(`%s -. "after %d receives" .-> %sDLQ[[DLQ]]`, q, contract.MaxReceiveCount, q)
	}
	for _, fn := range contract.Functions() {
		if slices.Contains(fn.Env(), contract.EnvMailFrom) {
			line("%s -- SendEmail --> ses[SES v2]", fn)
		}
	}
	return b.String()
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// recorded are the event types a consumer publishes: those whose source
// is its service.
func recorded(fn contract.Function) []string {
	var out []string
	for _, def := range events.Catalogue() {
		if def.Source == "eventshop."+fn.Service() {
			out = append(out, def.Type)
		}
	}
	return out
}
