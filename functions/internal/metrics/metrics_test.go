package metrics

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/contract"
)

// The rules of the Embedded Metric Format specification, checked on what
// Emit writes: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
func TestEmitWritesValidEmbeddedMetricFormat(t *testing.T) {
	var buf bytes.Buffer
	e := New(&buf, "notification")
	e.now = func() time.Time { return time.UnixMilli(1795599012345) }
	e.Emit(map[string]string{contract.DimEventType: "user.registered", contract.DimConsumer: "notification", "Extra": "ignored"},
		CountOf(contract.EventsConsumed, 1), Metric{Name: contract.ProcessingLag, Unit: Milliseconds, Value: 42.5})

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines, want one", len(lines))
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatalf("not a JSON object: %v", err)
	}
	var meta struct {
		Timestamp         *int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	if err := json.Unmarshal(doc["_aws"], &meta); err != nil {
		t.Fatalf("_aws: %v", err)
	}
	if meta.Timestamp == nil || *meta.Timestamp != 1795599012345 {
		t.Errorf("Timestamp = %v, want epoch milliseconds", meta.Timestamp)
	}
	if len(meta.CloudWatchMetrics) != 1 {
		t.Fatalf("%d metric directives", len(meta.CloudWatchMetrics))
	}
	d := meta.CloudWatchMetrics[0]
	if d.Namespace != "eventshop" {
		t.Errorf("Namespace = %q", d.Namespace)
	}
	// Every dimension set has at most 30 keys, each a string member of
	// the root; every metric is a number member of the root.
	for _, set := range d.Dimensions {
		if len(set) == 0 || len(set) > 30 {
			t.Errorf("dimension set %v", set)
		}
		for _, k := range set {
			var v string
			if err := json.Unmarshal(doc[k], &v); err != nil || v == "" {
				t.Errorf("dimension %s is %s, want a string member", k, doc[k])
			}
		}
	}
	if strings.Join(d.Dimensions[0], ",") != "Service,Consumer,EventType" {
		t.Errorf("dimensions = %v", d.Dimensions)
	}
	valid := map[string]bool{"Seconds": true, "Microseconds": true, "Milliseconds": true, "Bytes": true, "Count": true, "None": true}
	for _, m := range d.Metrics {
		var v float64
		if err := json.Unmarshal(doc[m.Name], &v); err != nil {
			t.Errorf("metric %s is %s, want a number member", m.Name, doc[m.Name])
		}
		if m.Name == "" || len(m.Name) > 1024 || !valid[m.Unit] {
			t.Errorf("metric %+v", m)
		}
	}
	var lag float64
	_ = json.Unmarshal(doc["ProcessingLag"], &lag)
	if lag != 42.5 {
		t.Errorf("ProcessingLag = %v", lag)
	}
}

func TestANilEmitterWritesNothing(t *testing.T) {
	var e *Emitter
	e.Emit(nil, CountOf("x", 1)) // must not panic
}

func TestEmitWritesManyValuesAndEscapesStrings(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, `odd"service`).Emit(map[string]string{"EventType": "a\\b\nc"}, Metric{Name: "Lag", Unit: Milliseconds, Values: []float64{1, 2.5, 1e6}})
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if doc["Service"] != `odd"service` || doc["EventType"] != "a\\b\nc" {
		t.Errorf("strings = %q, %q", doc["Service"], doc["EventType"])
	}
	if vs, _ := doc["Lag"].([]any); len(vs) != 3 || vs[2] != 1e6 {
		t.Errorf("Lag = %v", doc["Lag"])
	}
}

func TestAMetricHasTheDimensionsOfTheContractWhateverTheCallerPasses(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "order").Emit(map[string]string{contract.DimTemplate: "welcome"}, CountOf(contract.OrdersPlaced, 1), CountOf(contract.MailsSent, 1))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines for metrics of two dimension sets, want 2:\n%s", len(lines), buf.String())
	}
	for i, want := range [][]string{contract.OrdersPlaced.Dimensions(), contract.MailsSent.Dimensions()} {
		var doc struct {
			AWS struct {
				CloudWatchMetrics []struct{ Dimensions [][]string }
			} `json:"_aws"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &doc); err != nil {
			t.Fatal(err)
		}
		if got := doc.AWS.CloudWatchMetrics[0].Dimensions[0]; !slices.Equal(got, want) {
			t.Errorf("line %d has dimensions %v, want %v", i, got, want)
		}
	}
	if !strings.Contains(lines[0], `"Currency":"(none)"`) || !strings.Contains(lines[1], `"Template":"welcome"`) {
		t.Errorf("dimension values:\n%s", buf.String())
	}
}
