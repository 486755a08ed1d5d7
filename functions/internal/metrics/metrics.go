// Package metrics writes metrics in CloudWatch's Embedded Metric Format:
// one JSON line per call on stdout, which Lambda sends to CloudWatch Logs,
// which turns it into metrics — no API call, no latency, no client.
//
// Dimensions must be few and bounded: a service, a consumer, an event type,
// a mail template, a currency — never an id, which would make a metric per
// user. Every metric carries the Service dimension.
package metrics

import (
	"encoding/json"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Namespace holds every eventshop metric.
const Namespace = "eventshop"

// Unit is a CloudWatch unit.
type Unit string

// Units eventshop uses.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	None         Unit = "None"
)

// Metric is one named value.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// Emitter writes metrics of one service. It is safe for concurrent use; a
// nil Emitter writes nothing.
type Emitter struct {
	mu      sync.Mutex
	w       io.Writer
	service string
	now     func() time.Time
}

// New returns an emitter that writes to w for service.
func New(w io.Writer, service string) *Emitter {
	return &Emitter{w: w, service: service, now: time.Now}
}

// Emit writes metrics with dims, besides Service, as one line.
func (e *Emitter) Emit(dims map[string]string, ms ...Metric) {
	if e == nil || len(ms) == 0 {
		return
	}
	keys := append([]string{"Service"}, slices.Sorted(maps.Keys(dims))...)
	line := make(map[string]any, len(keys)+len(ms)+1)
	line["Service"] = e.service
	for k, v := range dims {
		line[k] = v
	}
	defs := make([]map[string]string, len(ms))
	for i, m := range ms {
		defs[i] = map[string]string{"Name": m.Name, "Unit": string(m.Unit)}
		line[m.Name] = m.Value
	}
	line["_aws"] = map[string]any{
		"Timestamp": e.now().UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  Namespace,
			"Dimensions": [][]string{keys},
			"Metrics":    defs,
		}},
	}
	b, err := json.Marshal(line)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, _ = e.w.Write(append(b, '\n'))
}

// CountOf is a metric of n things.
func CountOf(name string, n int) Metric { return Metric{Name: name, Unit: Count, Value: float64(n)} }

// Since is a metric of the milliseconds since t.
func Since(name string, t time.Time, now time.Time) Metric {
	return Metric{Name: name, Unit: Milliseconds, Value: float64(now.Sub(t).Microseconds()) / 1000}
}
