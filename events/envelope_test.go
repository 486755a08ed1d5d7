package events_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/eventstest"
	"github.com/eventshop/eventshop/jsoncheck"
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
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()}, meta)
	if err != nil {
		t.Fatal(err)
	}
	id, err := uuid.Parse(env.EventID)
	if err != nil || id.Version() != 4 {
		t.Errorf("eventId %q is not a version 4 uuid", env.EventID)
	}
	if env.EventType != "user.forgotten" || env.EventVersion != 1 || env.Source != "eventshop.user" {
		t.Errorf("type, version, source = %q, %d, %q", env.EventType, env.EventVersion, env.Source)
	}
	if env.Timestamp.Location() != time.UTC || env.Timestamp.Before(before) {
		t.Errorf("timestamp %v is not a current UTC time", env.Timestamp)
	}
	if !reflect.DeepEqual(env.Metadata, meta) {
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
		{"a user id that is not a uuid", events.UserForgotten{UserID: "42"}, meta, "data.userId"},
		{"a sealed contact of nobody", events.UserRegistered{UserID: uuid.NewString(), Contact: events.Sealed[events.Contact]{Ciphertext: make([]byte, 40)}}, meta, "data.contact.subject"},
		{"a ciphertext too short to hold a contact", events.UserRegistered{UserID: uuid.NewString(), Contact: events.Sealed[events.Contact]{Subject: uuid.NewString(), Ciphertext: []byte("short")}}, meta, "data.contact.ciphertext"},
		{"a contact sealed for someone else", events.UserRegistered{UserID: uuid.NewString(), Contact: sealedPerson().Contact}, meta, "data"},
		{"a carrier that is not a name", events.OrderShipped{OrderID: uuid.NewString(), Customer: sealedPerson(), Carrier: "\tDHL", TrackingNumber: "1"}, meta, "data.carrier"},
		{"no correlation id", events.UserForgotten{UserID: uuid.NewString()}, events.Metadata{CausationID: "r"}, "metadata.correlationId"},
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
	raw := readFile(t, "user.registered.v1.json")
	env, err := events.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := events.Decode[events.UserRegistered](env)
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Contact.Legacy; c == nil || *c != (events.Contact{Email: "ada@example.com", Name: "Ada Lovelace"}) || p.Contact.Subject != p.UserID {
		t.Errorf("payload = %+v, want the clear contact of v1 as legacy", p)
	}
	again, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, raw, again)
}

func TestParseRefusesBrokenEnvelopes(t *testing.T) {
	valid := readFile(t, "user.registered.v1.json")
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
		{"a field that differs from a known one only in case", func(m map[string]any) { m["EventId"] = "x" }, events.ErrInvalid, "EventId"},
		{"a data field that differs from a known one only in case", func(m map[string]any) { m["data"].(map[string]any)["Email"] = "x" }, events.ErrInvalid, "data.Email"},
		{"no causation id", func(m map[string]any) { delete(m["metadata"].(map[string]any), "causationId") }, events.ErrInvalid, "metadata.causationId"},
		{"a payload missing its email", func(m map[string]any) { delete(m["data"].(map[string]any), "email") }, events.ErrInvalid, "data.email"},
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
	err := events.Contact{Email: "ada.lovelace@@example.com", Name: "Ada"}.Check()
	if !errors.Is(err, events.ErrInvalid) || strings.Contains(err.Error(), "lovelace") {
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

func TestEveryVersionOfEveryTypeHasASchemaAndASampleThatUpcastsToThePayload(t *testing.T) {
	for _, def := range events.Catalogue() {
		if def.Payload == nil || def.Payload.EventType() != def.Type {
			t.Errorf("%s: payload %T does not declare the type", def.Type, def.Payload)
		}
		if !strings.HasPrefix(def.Source, "eventshop.") || def.Summary == "" {
			t.Errorf("%s: source %q, summary %q", def.Type, def.Source, def.Summary)
		}
		for i, v := range def.Versions {
			t.Run(fmt.Sprintf("%s v%d", def.Type, v.Number), func(t *testing.T) {
				if v.Number != i+1 || (v.Upcast == nil) != (v.Number == def.Latest()) {
					t.Fatalf("version %d at %d, upcaster %v: versions count from 1, and all but the latest upcast", v.Number, i, v.Upcast != nil)
				}
				if _, err := os.Stat("schemas/" + def.SchemaFile(v.Number)); err != nil {
					t.Fatal(err)
				}
				raw := readFile(t, def.SampleFile(v.Number))
				env, err := events.Parse(raw)
				if err != nil {
					t.Fatalf("the sample does not parse: %v", err)
				}
				if env.EventVersion != v.Number {
					t.Fatalf("the sample is of v%d", env.EventVersion)
				}
				assertSameJSON(t, raw, mustMarshal(t, env))
				// Upcast to the latest version, the data is what the latest
				// schema allows, and the payload struct holds all of it.
				latest, err := events.Upcast(env)
				if err != nil || latest.EventVersion != def.Latest() {
					t.Fatalf("upcast to v%d: %v", latest.EventVersion, err)
				}
				if err := events.CheckFile(latest.Data, def.SchemaFile(def.Latest()), jsoncheck.Strict); err != nil {
					t.Errorf("the upcast data breaks the latest schema: %v", err)
				}
				typed := reflect.New(reflect.TypeOf(def.Payload))
				if err := json.Unmarshal(latest.Data, typed.Interface()); err != nil {
					t.Fatal(err)
				}
				assertSameJSON(t, latest.Data, mustMarshal(t, typed.Interface()))
			})
		}
		if _, err := events.New(def.Payload, events.Metadata{CorrelationID: "c", CausationID: "r"}); err == nil {
			t.Errorf("%s: New accepted the zero payload", def.Type)
		}
	}
}

// sealedPerson is a person whose contact is sealed, as producers write it.
func sealedPerson() events.Person {
	id := uuid.NewString()
	return events.Person{UserID: id, Contact: events.Sealed[events.Contact]{Subject: id, Ciphertext: make([]byte, 48)}}
}

func TestAnOrderPlacedInVersion1ReadsAsVersion3(t *testing.T) {
	v1 := eventstest.Sample(t, events.TypeOrderPlaced, 1)
	p, err := events.Decode[events.OrderPlaced](v1)
	if err != nil {
		t.Fatal(err)
	}
	want := events.OrderPlaced{OrderID: "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
		Customer: events.Person{UserID: eventstest.SampleSubject, Contact: events.Sealed[events.Contact]{Subject: eventstest.SampleSubject,
			Legacy: &events.Contact{Email: "ada@example.com", Name: "Ada Lovelace"}}},
		Items: []events.LineItem{
			{SKU: "BOOK-42", Quantity: 2, UnitPrice: events.Money{AmountMinor: 1999, Currency: "EUR"}},
			{SKU: "PEN-1", Quantity: 1, UnitPrice: events.Money{AmountMinor: 250, Currency: "EUR"}},
		},
		Total: events.Money{AmountMinor: 4248, Currency: "EUR"}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("v1 reads as %+v,\nwant %+v", p, want)
	}
	if v2, _ := events.Decode[events.OrderPlaced](eventstest.Sample(t, events.TypeOrderPlaced, 2)); !reflect.DeepEqual(v2, want) {
		t.Errorf("the v2 sample of the same order reads as %+v", v2)
	}
	if v1.EventVersion != 1 {
		t.Error("Decode changed the envelope it read")
	}
}

func TestAReaderKeepsWhatANewerProducerAdded(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal(readFile(t, "user.registered.v1.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["priority"] = "high"
	m["metadata"].(map[string]any)["tenant"] = "acme"
	m["data"].(map[string]any)["nickname"] = "Ada"
	raw := mustMarshal(t, m)
	env, err := events.Parse(raw)
	if err != nil {
		t.Fatalf("a reader refused members it does not know: %v", err)
	}
	if p, err := events.Decode[events.UserRegistered](env); err != nil || p.Contact.Legacy == nil || p.Contact.Legacy.Name != "Ada Lovelace" {
		t.Errorf("payload %+v, %v", p, err)
	}
	// Written again, as a replay does, it keeps them all.
	env.Metadata.Replay = true
	m["metadata"].(map[string]any)["replay"] = true
	assertSameJSON(t, mustMarshal(t, m), mustMarshal(t, env))
	// A producer writes only what its schema knows.
	if _, err := events.New(struct {
		events.UserRegistered
		Nickname string `json:"nickname"`
	}{events.UserRegistered{UserID: uuid.NewString(), Contact: sealedPerson().Contact}, "x"},
		events.Metadata{CorrelationID: "c", CausationID: "r"}); err == nil {
		t.Error("New wrote a member its schema does not know")
	}
}

func TestParseRefusesJSONThatCanBeReadTwoWays(t *testing.T) {
	valid := string(readFile(t, "user.registered.v1.json"))
	for name, raw := range map[string]string{
		"a name twice":     strings.Replace(valid, `"eventType":`, `"eventType": "user.registered", "eventType":`, 1),
		"invalid UTF-8":    strings.Replace(valid, "Ada Lovelace", "Ada \xff Lovelace", 1),
		"a lone surrogate": strings.Replace(valid, "Ada Lovelace", `Ada \ud800 Lovelace`, 1),
	} {
		_, err := events.Parse([]byte(raw))
		var invalid *events.InvalidError
		if !errors.As(err, &invalid) {
			t.Errorf("%s: err = %v, want an InvalidError", name, err)
			continue
		}
		if strings.Contains(err.Error(), "Lovelace") {
			t.Errorf("%s: the error repeats the value: %v", name, err)
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
		_, err := events.New(events.UserForgotten{UserID: uuid.NewString()},
			events.Metadata{CorrelationID: id, CausationID: "r"})
		if (err == nil) != events.ValidTraceID(id) {
			t.Errorf("%q: ValidTraceID says %v, the schema says %v", id, events.ValidTraceID(id), err)
		}
	}
}

func TestWhatNewBuildsParseAccepts(t *testing.T) {
	for _, def := range events.Catalogue() {
		raw := readFile(t, def.SampleFile(def.Latest()))
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
	if _, err := events.New(events.UserForgotten{UserID: uuid.NewString()},
		events.Metadata{CorrelationID: "c", CausationID: "r", TraceHeader: "not a header"}); err == nil {
		t.Error("New accepted an odd trace header")
	}
}

func TestEveryPayloadTypeOfThePackageIsCatalogued(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	catalogued := map[string]bool{}
	for _, def := range events.Catalogue() {
		catalogued[reflect.TypeOf(def.Payload).Name()] = true
	}
	for _, f := range pkgs["events"].Files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "EventType" {
				continue
			}
			recv := fmt.Sprint(fn.Recv.List[0].Type)
			if !catalogued[recv] {
				t.Errorf("%s is a payload (it has EventType) but no catalogue entry names it: a producer could not publish it", recv)
			}
		}
	}
}
