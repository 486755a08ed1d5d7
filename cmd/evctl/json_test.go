package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/cloudevent"
	"github.com/eventshop/eventshop/events/eventstest"
	"github.com/eventshop/eventshop/eventstore"
)

// dataMembers are the members whose objects are keyed by data, not by
// names: a dead-letter queue's counts by reason and by event type.
var dataMembers = map[string]bool{"reasons": true, "types": true}

func TestEveryJSONOutputNamesItsMembersInCamelCase(t *testing.T) {
	env := eventstest.Latest(t, events.TypeOrderPlaced)
	env.Metadata.TraceHeader = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	env.Metadata.Replay = true
	caused := eventstest.Latest(t, events.TypeNotificationSent)
	caused.Metadata.CorrelationID, caused.Metadata.CausationID = env.Metadata.CorrelationID, env.EventID
	caused.Timestamp = env.Timestamp.Add(time.Second)
	records := []eventstore.Record{{StreamID: "order-1", Version: 1, Envelope: env}, {StreamID: "notification-1", Version: 1, Envelope: caused}}
	ce, err := cloudevent.FromEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	var summary dlq.Summary
	fill(reflect.ValueOf(&summary).Elem())

	for _, tt := range []struct {
		command string
		output  any               // what the command encodes
		named   func(string) bool // what its member names must be
	}{
		{"publish", env, camelCase},
		{"tail", env, camelCase},
		// A CloudEvent's members are named by its spec, not by eventshop.
		{"tail --cloudevents", ce, cloudEventsName},
		{"history", historyJSON(records), camelCase},
		{"trace", tree(env.Metadata.CorrelationID, records), camelCase},
		{"replay", replayed{Stream: "order-1", From: 1, Published: 2}, camelCase},
		{"dlq list", listJSON([]queueSummary{{deadLetterQueue{Name: "bus", Kind: busDLQ, URL: "q/bus-dlq", Source: "q/bus"}, summary}}), camelCase},
		{"dlq redrive", redriveJSON(deadLetterQueue{Name: "bus"}, 1, errors.New("refused")), camelCase},
	} {
		t.Run(tt.command, func(t *testing.T) {
			var buf bytes.Buffer
			if err := json.NewEncoder(&buf).Encode(tt.output); err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			bad := misnamed(doc, "", tt.named)
			for _, path := range bad {
				t.Errorf("member %s is misnamed", path)
			}
			if len(bad) > 0 {
				t.Logf("the output:\n%s", buf.String())
			}
		})
	}
}

// misnamed walks a decoded JSON document and returns the paths of the
// members whose names named refuses, but for the keys of dataMembers.
func misnamed(doc any, path string, named func(string) bool) []string {
	var bad []string
	switch v := doc.(type) {
	case map[string]any:
		for name, member := range v {
			at := path + "." + name
			if !dataMembers[lastName(path)] && !named(name) {
				bad = append(bad, at)
			}
			bad = append(bad, misnamed(member, at, named)...)
		}
	case []any:
		for _, item := range v {
			bad = append(bad, misnamed(item, path+"[]", named)...)
		}
	}
	slices.Sort(bad)
	return bad
}

// lastName is the name of the member at the end of a path.
func lastName(path string) string {
	return strings.TrimSuffix(path[strings.LastIndex(path, ".")+1:], "[]")
}

// camelCase says whether name is camelCase: a lower-case letter first,
// then letters and digits only.
func camelCase(name string) bool {
	for i, r := range name {
		if i == 0 && !unicode.IsLower(r) || !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return name != ""
}

// cloudEventsName says whether name may name a member of a CloudEvent in
// JSON: an attribute, lower-case letters and digits, or data_base64.
func cloudEventsName(name string) bool {
	return name == "data_base64" || name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789") == ""
}

func TestCamelCaseIsTold(t *testing.T) {
	for name, want := range map[string]bool{
		"streamId": true, "count": true, "offsetNs": true, "amountMinor": true, "specversion": true,
		"StreamID": false, "Count": false, "stream_id": false, "stream-id": false, "": false, "9lives": false,
	} {
		if got := camelCase(name); got != want {
			t.Errorf("camelCase(%q) = %v, want %v", name, got, want)
		}
	}
	doc := map[string]any{"ok": []any{map[string]any{"Bad": 1, "reasons": map[string]any{"Any reason_at all": 1}}}}
	if got := misnamed(doc, "", camelCase); len(got) != 1 || got[0] != ".ok[].Bad" {
		t.Errorf("misnamed = %q, want only .ok[].Bad", got)
	}
}

// fill sets every field v holds to a value that is not zero, so that
// members left out when empty show.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		key, elem := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(key)
		fill(elem)
		v.SetMapIndex(key, elem)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	}
}

func TestJSONViewsKeepEveryFieldOfWhatTheyShow(t *testing.T) {
	for _, tt := range []struct{ shown, view any }{
		{eventstore.Record{}, recordJSON{}},
		{dlq.Summary{}, queueJSON{}},
		{dlq.Entry{}, entryJSON{}},
		{dlq.StreamBatch{}, streamBatchJSON{}},
	} {
		shown, view := reflect.TypeOf(tt.shown), reflect.TypeOf(tt.view)
		for f := range shown.Fields() {
			if _, ok := view.FieldByName(f.Name); f.IsExported() && !ok {
				t.Errorf("%s lacks %s.%s: --json would not show it", view.Name(), shown, f.Name)
			}
		}
	}
}
