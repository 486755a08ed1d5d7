package cloudevent_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/cloudevent"
	"github.com/eventshop/eventshop/events/eventstest"
)

// roundTrip writes env as structured-mode JSON, has the CloudEvents SDK
// read it as any CloudEvents consumer would, and maps it back.
func roundTrip(t *testing.T, env events.Envelope) (events.Envelope, map[string]any) {
	t.Helper()
	ce, err := cloudevent.FromEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := json.Marshal(ce)
	if err != nil {
		t.Fatal(err)
	}
	var read event.Event
	if err := json.Unmarshal(wire, &read); err != nil {
		t.Fatalf("the SDK cannot read %s: %v", wire, err)
	}
	if err := read.Validate(); err != nil {
		t.Fatalf("the SDK finds %s invalid: %v", wire, err)
	}
	back, err := cloudevent.ToEnvelope(read)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	_ = json.Unmarshal(wire, &fields)
	return back, fields
}

func sameJSON(t *testing.T, want, got events.Envelope) {
	t.Helper()
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	var wv, gv any
	_ = json.Unmarshal(w, &wv)
	_ = json.Unmarshal(g, &gv)
	if fmt.Sprint(wv) != fmt.Sprint(gv) {
		t.Errorf("not the same after a round trip:\nwant %s\n got %s", w, g)
	}
}

func TestEverySampleRoundTripsThroughTheCloudEventsSDK(t *testing.T) {
	for _, def := range events.Catalogue() {
		for _, v := range def.Versions {
			t.Run(fmt.Sprintf("%s v%d", def.Type, v.Number), func(t *testing.T) {
				env := eventstest.Sample(t, def.Type, v.Number)
				back, fields := roundTrip(t, env)
				sameJSON(t, env, back)
				if fields["specversion"] != "1.0" || fields["dataschema"] != cloudevent.SchemaBase+def.SchemaFile(v.Number) ||
					fields["correlationid"] != env.Metadata.CorrelationID || fields["datacontenttype"] != "application/json" {
					t.Errorf("CloudEvent = %v", fields)
				}
			})
		}
	}
}

func TestWhatANewerProducerAddedAndTheTraceSurviveTheRoundTrip(t *testing.T) {
	raw := strings.Replace(string(eventstest.Raw(t, events.TypeUserRegistered, 1)), `"metadata": {`,
		`"priority": "high", "metadata": {"tenant": "acme", "replay": true, "traceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",`, 1)
	env, err := events.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	back, fields := roundTrip(t, env)
	sameJSON(t, env, back)
	if fields["replay"] != true || fields["traceheader"] == nil || fields["envelopeextra"] == nil || fields["metadataextra"] == nil {
		t.Errorf("CloudEvent = %v", fields)
	}
}
