package main

import (
	"fmt"
	"maps"
	"strings"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/jsoncheck/compat"
)

// draft07 is the schema format of the payloads: the AsyncAPI parser checks
// payloads of this format, and eventshop's schemas use no keyword of
// 2020-12 that draft-07 lacks once their $refs are resolved.
const draft07 = "application/schema+json;version=draft-07"

// asyncAPI describes the bus: a channel per event type, a message per
// version, an operation for the service that sends each type and one for
// each consumer that receives it.
func asyncAPI(m *model) map[string]any {
	channels, operations, messages := map[string]any{}, map[string]any{}, map[string]any{}
	for _, def := range m.catalogue {
		ref := map[string]any{}
		var latest string
		for _, v := range def.Versions {
			id := contract.Pascal(def.Type) + fmt.Sprintf("V%d", v.Number)
			ref[id] = map[string]any{"$ref": "#/components/messages/" + id}
			latest = id
			summary := def.Summary
			if v.Number < def.Latest() {
				summary += fmt.Sprintf(" (An older version: readers upcast it to v%d.)", def.Latest())
			}
			messages[id] = map[string]any{
				"name":        def.Type,
				"title":       fmt.Sprintf("%s v%d", def.Type, v.Number),
				"summary":     summary,
				"contentType": "application/json",
				"payload":     map[string]any{"schemaFormat": draft07, "schema": envelopeOf(m, def.Type, def.Source, v.Number, def.SchemaFile(v.Number))},
				"examples":    []any{map[string]any{"name": "sample", "payload": m.samples[def.SampleFile(v.Number)]}},
			}
		}
		channels[def.Type] = map[string]any{
			"address":     def.Type,
			"title":       def.Type,
			"description": def.Summary + " EventBridge routes it by detail-type to each consumer's queue; the message is the event's detail.",
			"messages":    ref,
		}
		channel := map[string]any{"$ref": "#/channels/" + def.Type}
		operations["send"+contract.Pascal(def.Type)] = map[string]any{
			"action":   "send",
			"channel":  channel,
			"title":    fmt.Sprintf("the %s service publishes %s", service(def.Source), def.Type),
			"summary":  fmt.Sprintf("%s publishes %s v%d, through the event store and the relay.", def.Source, def.Type, def.Latest()),
			"messages": []any{map[string]any{"$ref": "#/channels/" + def.Type + "/messages/" + latest}},
		}
		for _, c := range m.consumers(def.Type) {
			var all []any
			for id := range maps.Keys(ref) {
				all = append(all, map[string]any{"$ref": "#/channels/" + def.Type + "/messages/" + id})
			}
			sortRefs(all)
			operations[string(c)+"Receives"+contract.Pascal(def.Type)] = map[string]any{
				"action":   "receive",
				"channel":  channel,
				"title":    fmt.Sprintf("%s receives %s", c, def.Type),
				"summary":  fmt.Sprintf("The %s consumer reads %s, any version, from its own queue.", c, def.Type),
				"messages": all,
			}
		}
	}
	return map[string]any{
		"asyncapi": "3.0.0",
		"info": map[string]any{
			"title":   "eventshop events",
			"version": "1.0.0",
			"description": "The events eventshop's services publish on its EventBridge bus, generated from the event catalogue, " +
				"its JSON Schemas and the topology (cmd/docgen). Every event is one envelope; its data is checked by the schema " +
				"of its type and version. Producers write strictly; readers read tolerantly and upcast older versions.",
		},
		"defaultContentType": "application/json",
		"channels":           channels,
		"operations":         operations,
		"components":         map[string]any{"messages": messages},
	}
}

// envelopeOf is the envelope schema of one version of a type: its type,
// version and source fixed, its data that version's schema.
func envelopeOf(m *model, eventType, source string, version int, schemaFile string) compat.Schema {
	env := bare(m.events["envelope.json"])
	props := maps.Clone(env["properties"].(map[string]any))
	props["eventType"] = map[string]any{"const": eventType}
	props["eventVersion"] = map[string]any{"const": version}
	props["source"] = map[string]any{"const": source}
	props["data"] = bare(m.events[schemaFile])
	env["properties"] = props
	env["title"] = fmt.Sprintf("%s v%d", eventType, version)
	return env
}

func sortRefs(refs []any) {
	key := func(v any) string { return v.(map[string]any)["$ref"].(string) }
	for i := range refs {
		for j := i + 1; j < len(refs); j++ {
			if strings.Compare(key(refs[j]), key(refs[i])) < 0 {
				refs[i], refs[j] = refs[j], refs[i]
			}
		}
	}
}
