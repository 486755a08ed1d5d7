package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// catalogue is the page of every event type: what it says, who publishes
// and who receives it, its versions with their schemas, and a sample.
func catalogue(m *model) string {
	var b strings.Builder
	b.WriteString("# The event catalogue\n\n")
	b.WriteString("Generated from `events/catalogue.go`, the schemas in `events/schemas/` and the topology in `contract/topology.go` " +
		"by `make docs`; do not edit. Every event travels in the [envelope](../events/schemas/envelope.json); its `data` is checked " +
		"by the schema of its type and version. See \"Evolving events\" in the README for the rules a version follows.\n\n")
	b.WriteString("| Type | Latest | Published by | Received by | What happened |\n| --- | --- | --- | --- | --- |\n")
	for _, def := range m.catalogue {
		fmt.Fprintf(&b, "| [`%s`](#%s) | v%d | %s | %s | %s |\n", def.Type, anchor(def.Type), def.Latest(), def.Source, consumerList(m, def.Type), def.Summary)
	}
	for _, def := range m.catalogue {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n", def.Type, def.Summary)
		fmt.Fprintf(&b, "- **Published by** the %s service (source `%s`), through the event store and the relay.\n", service(def.Source), def.Source)
		fmt.Fprintf(&b, "- **Received by** %s.\n", consumerList(m, def.Type))
		b.WriteString("- **Versions**:\n")
		for _, v := range def.Versions {
			note := "the latest: what producers write"
			if v.Number < def.Latest() {
				note = fmt.Sprintf("readers upcast it to v%d", v.Number+1)
			}
			fmt.Fprintf(&b, "  - v%d: [schema](../events/schemas/%s), [sample](../events/testdata/%s); %s.\n", v.Number, def.SchemaFile(v.Number), def.SampleFile(v.Number), note)
		}
		props, _ := m.events[def.SchemaFile(def.Latest())]["properties"].(map[string]any)
		required, _ := m.events[def.SchemaFile(def.Latest())]["required"].([]any)
		fmt.Fprintf(&b, "\nThe data of v%d:\n\n| Field | Type | Required | Rules |\n| --- | --- | --- | --- |\n", def.Latest())
		for _, name := range sortedKeys(props) {
			p := props[name].(map[string]any)
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, typeOf(p), yes(contains(required, name)), rules(p))
		}
		sample, _ := json.MarshalIndent(m.samples[def.SampleFile(def.Latest())], "", "  ")
		fmt.Fprintf(&b, "\nA sample:\n\n```json\n%s\n```\n", sample)
	}
	return b.String()
}

func consumerList(m *model, eventType string) string {
	var names []string
	for _, c := range m.consumers(eventType) {
		names = append(names, "the "+string(c)+" consumer")
	}
	if len(names) == 0 {
		return "no consumer yet (it is in the event store, and `evctl tail` shows it)"
	}
	return strings.Join(names, ", ")
}

func anchor(s string) string { return strings.ToLower(strings.ReplaceAll(s, ".", "")) }

func typeOf(p map[string]any) string {
	t, _ := p["type"].(string)
	if t == "array" {
		if items, ok := p["items"].(map[string]any); ok {
			return "array of " + typeOf(items)
		}
	}
	return t
}

// rules says in brief what a field's schema allows.
func rules(p map[string]any) string {
	var out []string
	for _, k := range []string{"format", "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "enum"} {
		if v, ok := p[k]; ok {
			if k == "pattern" {
				v = "`" + strings.ReplaceAll(fmt.Sprint(v), "|", "\\|") + "`"
			}
			out = append(out, fmt.Sprintf("%s %v", k, v))
		}
	}
	if props, ok := p["properties"].(map[string]any); ok {
		out = append(out, "fields "+strings.Join(sortedKeys(props), ", "))
	}
	if items, ok := p["items"].(map[string]any); ok {
		if props, ok := items["properties"].(map[string]any); ok {
			out = append(out, "each with "+strings.Join(sortedKeys(props), ", "))
		}
	}
	return strings.Join(out, "; ")
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func contains(l []any, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
