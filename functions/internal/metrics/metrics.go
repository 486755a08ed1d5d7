// Package metrics writes metrics in CloudWatch's Embedded Metric Format:
// one JSON line per call on stdout, which Lambda sends to CloudWatch Logs,
// which turns it into metrics — no API call, no latency, no client.
//
// Dimensions must be few and bounded: a service, a consumer, an event type,
// a mail template, a currency — never an id, which would make a metric per
// user. Every metric carries the Service dimension.
package metrics

import (
	"cmp"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/eventshop/eventshop/contract"
)

// Namespace holds every eventshop metric.
const Namespace = contract.MetricsNamespace

// Unit is a CloudWatch unit.
type Unit string

// Units eventshop uses.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	None         Unit = "None"
)

// Metric is one named value, or several values of one name (EMF takes
// up to 100 per line, for a batch's latencies say).
type Metric struct {
	Name   contract.Metric
	Unit   Unit
	Value  float64
	Values []float64 // if set, Value is ignored
}

// Emitter writes metrics of one service. It is safe for concurrent use; a
// nil Emitter writes nothing.
type Emitter struct {
	mu      sync.Mutex
	w       io.Writer
	service string
	now     func() time.Time
	buf     []byte
}

// New returns an emitter that writes to w for service.
func New(w io.Writer, service string) *Emitter {
	return &Emitter{w: w, service: service, now: time.Now}
}

// Emit writes metrics as one line, with the dimensions the contract gives
// them (contract.Metric.Dimensions), whose values it takes from values;
// Service is the emitter's. What a function emits is so always what the
// dashboard and the alarms look for. Metrics of different dimensions go on
// lines of their own; one the contract does not know has Service and the
// keys of values. It encodes by hand: it runs for every request and every
// batch.
func (e *Emitter) Emit(values map[string]string, ms ...Metric) {
	if e == nil || len(ms) == 0 {
		return
	}
	keys := ms[0].Name.Dimensions()
	if len(keys) == 0 {
		keys = append(keys, contract.DimService)
		for k := range values {
			keys = append(keys, k)
		}
		slices.Sort(keys[1:])
	}
	same := len(ms)
	for i, m := range ms[1:] {
		if d := m.Name.Dimensions(); len(d) > 0 && !slices.Equal(d, keys) {
			same = i + 1
			break
		}
	}
	if same < len(ms) {
		defer e.Emit(values, ms[same:]...)
		ms = ms[:same]
	}
	dims := make(map[string]string, len(keys))
	for _, k := range keys[1:] {
		dims[k] = cmp.Or(values[k], "(none)")
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.buf[:0]
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, e.now().UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":"`+Namespace+`","Dimensions":[[`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
	}
	b = append(b, `]],"Metrics":[`...)
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Name":`...)
		b = appendString(b, string(m.Name))
		b = append(b, `,"Unit":`...)
		b = appendString(b, string(m.Unit))
		b = append(b, '}')
	}
	b = append(b, `]}]},"`+contract.DimService+`":`...)
	b = appendString(b, e.service)
	for _, k := range keys[1:] {
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, dims[k])
	}
	for _, m := range ms {
		b = append(b, ',')
		b = appendString(b, string(m.Name))
		b = append(b, ':')
		if m.Values == nil {
			b = strconv.AppendFloat(b, m.Value, 'g', -1, 64)
			continue
		}
		b = append(b, '[')
		for i, v := range m.Values {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, ']')
	}
	b = append(b, '}', '\n')
	e.buf = b
	_, _ = e.w.Write(b)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

const hex = "0123456789abcdef"

// CountOf is a metric of n things.
func CountOf(name contract.Metric, n int) Metric {
	return Metric{Name: name, Unit: Count, Value: float64(n)}
}
