package events_test

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewBuildsAValidEnvelopeFromTheCatalogue(t *testing.T) {
	before := time.Now().UTC()
	meta := events.Metadata{CorrelationID: "corr-1", CausationID: "req-1"}
	env, err := events.New(events.UserRegistered{UserID: uuid.NewString(), Email: "ada@example.com", Name: "Ada"}, meta)
	if err != nil {
		t.Fatal(err)
	}
	id, err := uuid.Parse(env.EventID)
	if err != nil || id.Version() != 4 {
		t.Errorf("eventId %q is not a version 4 uuid", env.EventID)
	}
	if env.EventType != "user.registered" || env.EventVersion != 1 || env.Source != "eventshop.user" {
		t.Errorf("type, version, source = %q, %d, %q", env.EventType, env.EventVersion, env.Source)
	}
	if env.Timestamp.Location() != time.UTC || env.Timestamp.Before(before) {
		t.Errorf("timestamp %v is not a current UTC time", env.Timestamp)
	}
	if env.Metadata != meta {
		t.Errorf("metadata = %+v, want %+v", env.Metadata, meta)
	}

	raw, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"eventId", "eventType", "eventVersion", "timestamp", "source", "data", "metadata"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("serialized envelope lacks %q: %s", name, raw)
		}
	}
	if ts := fields["timestamp"].(string); !strings.HasSuffix(ts, "Z") {
		t.Errorf("timestamp %q is not RFC 3339 in UTC", ts)
	}
}

func TestNewRefusesAnInvalidPayload(t *testing.T) {
	meta := events.Metadata{CorrelationID: "c", CausationID: "r"}
	tests := []struct {
		name      string
		payload   events.Payload
		meta      events.Metadata
		wantField string
	}{
		{"an email that is not an address", events.UserRegistered{UserID: uuid.NewString(), Email: "not-an-email", Name: "Ada"}, meta, "data.email"},
		{"an empty name", events.UserRegistered{UserID: uuid.NewString(), Email: "a@example.com"}, meta, "data.name"},
		{"a user id that is not a uuid", events.UserRegistered{UserID: "42", Email: "a@example.com", Name: "Ada"}, meta, "data.userId"},
		{"no correlation id", events.UserRegistered{UserID: uuid.NewString(), Email: "a@example.com", Name: "Ada"}, events.Metadata{CausationID: "r"}, "metadata.correlationId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := events.New(tt.payload, tt.meta)
			var invalid *events.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("err = %v, want an InvalidError", err)
			}
			if invalid.Field != tt.wantField {
				t.Errorf("field = %q, want %q (%v)", invalid.Field, tt.wantField, err)
			}
			if !errors.Is(err, events.ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestParseRoundTripsTheSample(t *testing.T) {
	raw := readFile(t, "user.registered.json")
	env, err := events.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := events.Decode[events.UserRegistered](env)
	if err != nil {
		t.Fatal(err)
	}
	if p.Email != "ada@example.com" || p.Name != "Ada Lovelace" {
		t.Errorf("payload = %+v", p)
	}
	again, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, raw, again)
}

func TestParseRefusesBrokenEnvelopes(t *testing.T) {
	valid := readFile(t, "user.registered.json")
	tests := []struct {
		name    string
		edit    func(m map[string]any)
		wantErr error
		field   string
	}{
		{"no event id", func(m map[string]any) { delete(m, "eventId") }, events.ErrInvalid, ""},
		{"an event id that is not a v4 uuid", func(m map[string]any) { m["eventId"] = "1" }, events.ErrInvalid, "eventId"},
		{"a timestamp that is not RFC 3339", func(m map[string]any) { m["timestamp"] = "yesterday" }, events.ErrInvalid, "timestamp"},
		{"a timestamp outside UTC", func(m map[string]any) { m["timestamp"] = "2026-11-25T10:30:12+01:00" }, events.ErrInvalid, "timestamp"},
		{"an unknown top-level field", func(m map[string]any) { m["extra"] = true }, events.ErrInvalid, ""},
		{"no causation id", func(m map[string]any) { delete(m["metadata"].(map[string]any), "causationId") }, events.ErrInvalid, "metadata"},
		{"a payload missing its email", func(m map[string]any) { delete(m["data"].(map[string]any), "email") }, events.ErrInvalid, "data"},
		{"a source that does not publish the type", func(m map[string]any) { m["source"] = "eventshop.order" }, events.ErrInvalid, "source"},
		{"an unknown event type", func(m map[string]any) { m["eventType"] = "user.teleported" }, events.ErrUnknownType, ""},
		{"an unknown version", func(m map[string]any) { m["eventVersion"] = 7 }, events.ErrUnknownVersion, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(valid, &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			raw, _ := json.Marshal(m)
			_, err := events.Parse(raw)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var invalid *events.InvalidError
			if tt.field != "" && (!errors.As(err, &invalid) || invalid.Field != tt.field) {
				t.Errorf("err = %v, want it to name field %q", err, tt.field)
			}
		})
	}
}

func TestInvalidErrorsDoNotRepeatTheValue(t *testing.T) {
	_, err := events.New(events.UserRegistered{UserID: uuid.NewString(), Email: "ada.lovelace@@example.com", Name: "Ada"},
		events.Metadata{CorrelationID: "c", CausationID: "r"})
	if err == nil || strings.Contains(err.Error(), "lovelace") {
		t.Errorf("err = %v, want one that names the field without the address", err)
	}
}

func TestParseRefusesWhatIsNotJSON(t *testing.T) {
	for _, raw := range []string{"", "null", "[]", "{", `"text"`} {
		if _, err := events.Parse([]byte(raw)); !errors.Is(err, events.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", raw, err)
		}
	}
}

func TestEveryCatalogueEntryHasAPayloadASchemaAndASample(t *testing.T) {
	for _, def := range events.Catalogue() {
		t.Run(def.Type, func(t *testing.T) {
			raw := readFile(t, def.Type+".json")
			env, err := events.Parse(raw)
			if err != nil {
				t.Fatalf("the sample does not parse: %v", err)
			}
			// The payload struct holds every field of the sample.
			typed := reflect.New(reflect.TypeOf(def.Payload))
			if err := json.Unmarshal(env.Data, typed.Interface()); err != nil {
				t.Fatal(err)
			}
			assertSameJSON(t, env.Data, mustMarshal(t, typed.Interface()))
			if _, err := events.New(def.Payload, events.Metadata{CorrelationID: "c", CausationID: "r"}); err == nil {
				t.Error("New accepted the zero payload")
			}
			assertSameJSON(t, raw, mustMarshal(t, env))
		})
		if def.Payload == nil || def.Payload.EventType() != def.Type {
			t.Errorf("%s: payload %T does not declare the type", def.Type, def.Payload)
		}
		if _, err := os.Stat("schemas/" + def.SchemaFile()); err != nil {
			t.Errorf("%s: %v", def.Type, err)
		}
		if !strings.HasPrefix(def.Source, "eventshop.") {
			t.Errorf("%s: source %q", def.Type, def.Source)
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assertSameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if mustString(t, w) != mustString(t, g) {
		t.Errorf("JSON differs:\nwant %s\n got %s", want, got)
	}
}

func mustString(t *testing.T, v any) string { return string(mustMarshal(t, v)) }

func TestValidTraceIDAgreesWithTheSchema(t *testing.T) {
	for _, id := range []string{"a", uuid.NewString(), "Kx2ab3c4d5e6f7Ag=", "svc:flow/42+x_y.z", "", "has space", "ünïcode", strings.Repeat("a", 128), strings.Repeat("a", 129)} {
		_, err := events.New(events.UserRegistered{UserID: uuid.NewString(), Email: "ada@example.com", Name: "Ada"},
			events.Metadata{CorrelationID: id, CausationID: "r"})
		if (err == nil) != events.ValidTraceID(id) {
			t.Errorf("%q: ValidTraceID says %v, the schema says %v", id, events.ValidTraceID(id), err)
		}
	}
}

func TestWhatNewBuildsParseAccepts(t *testing.T) {
	for _, def := range events.Catalogue() {
		raw := readFile(t, def.Type+".json")
		sample, err := events.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		payload := reflect.New(reflect.TypeOf(def.Payload))
		if err := json.Unmarshal(sample.Data, payload.Interface()); err != nil {
			t.Fatal(err)
		}
		for _, meta := range []events.Metadata{
			sample.Metadata,
			{CorrelationID: uuid.NewString(), CausationID: "Kx2ab3c4d5e6f7Ag=", TraceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", Replay: true},
		} {
			env, err := events.New(payload.Elem().Interface().(events.Payload), meta)
			if err != nil {
				t.Fatalf("%s: %v", def.Type, err)
			}
			if _, err := events.Parse(mustMarshal(t, env)); err != nil {
				t.Errorf("%s: New built what Parse refuses: %v", def.Type, err)
			}
		}
	}
	if _, err := events.New(events.UserRegistered{UserID: uuid.NewString(), Email: "a@example.com", Name: "A"},
		events.Metadata{CorrelationID: "c", CausationID: "r", TraceHeader: "not a header"}); err == nil {
		t.Error("New accepted an odd trace header")
	}
}
