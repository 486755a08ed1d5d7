package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/jsoncheck/compat"
)

// model is what the documents are made of.
type model struct {
	catalogue []events.Definition
	// events and api are the schemas, by file, their $refs resolved.
	events, api map[string]compat.Schema
	// samples are the catalogue's sample envelopes, by file.
	samples  map[string]any
	topology []contract.Subscription
}

func loadModel(root string) (*model, error) {
	m := &model{catalogue: events.Catalogue(), topology: contract.Topology(), samples: map[string]any{}}
	all, err := compat.Load(filepath.Join(root, "events", "schemas"), filepath.Join(root, "api", "schemas"))
	if err != nil {
		return nil, err
	}
	eventFiles, _ := filepath.Glob(filepath.Join(root, "events", "schemas", "*.json"))
	m.events, m.api = map[string]compat.Schema{}, maps.Clone(all)
	for _, f := range eventFiles {
		name := filepath.Base(f)
		m.events[name] = all[name]
		delete(m.api, name)
	}
	for _, def := range m.catalogue {
		for _, v := range def.Versions {
			raw, err := os.ReadFile(filepath.Join(root, "events", "testdata", def.SampleFile(v.Number)))
			if err != nil {
				return nil, err
			}
			var sample any
			if err := json.Unmarshal(raw, &sample); err != nil {
				return nil, err
			}
			m.samples[def.SampleFile(v.Number)] = sample
		}
	}
	return m, nil
}

// consumers lists the consumers subscribed to an event type.
func (m *model) consumers(eventType string) []contract.Function {
	var out []contract.Function
	for _, s := range m.topology {
		if s.EventType == eventType {
			out = append(out, s.Consumer)
		}
	}
	return out
}

// bare is a schema without what only names it: its $schema and $id.
func bare(s compat.Schema) compat.Schema {
	out := maps.Clone(s)
	delete(out, "$schema")
	delete(out, "$id")
	return out
}

// service is the service that publishes with a source: eventshop.order
// is the order service.
func service(source string) string { return source[len("eventshop."):] }
