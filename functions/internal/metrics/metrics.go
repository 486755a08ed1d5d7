// Package metrics writes metrics in CloudWatch's Embedded Metric Format:
// one JSON line per call on stdout, which Lambda sends to CloudWatch Logs,
// which turns it into metrics — no API call, no latency, no client.
//
// Dimensions must be few and bounded: a service, a consumer, an event type,
// a mail template, a currency — never an id, which would make a metric per
// user. Every metric carries the Service dimension.
package metrics

import (
	"io"
	"slices"
	"strconv"
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

// Metric is one named value, or several values of one name (EMF takes
// up to 100 per line, for a batch's latencies say).
type Metric struct {
	Name   string
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

// Emit writes metrics with dims, besides Service, as one line. It encodes
// by hand: it runs for every request and every batch.
func (e *Emitter) Emit(dims map[string]string, ms ...Metric) {
	if e == nil || len(ms) == 0 {
		return
	}
	keys := make([]string, 0, len(dims)+1)
	keys = append(keys, "Service")
	for k := range dims {
		keys = append(keys, k)
	}
	slices.Sort(keys[1:])

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
		b = appendString(b, m.Name)
		b = append(b, `,"Unit":`...)
		b = appendString(b, string(m.Unit))
		b = append(b, '}')
	}
	b = append(b, `]}]},"Service":`...)
	b = appendString(b, e.service)
	for _, k := range keys[1:] {
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, dims[k])
	}
	for _, m := range ms {
		b = append(b, ',')
		b = appendString(b, m.Name)
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
func CountOf(name string, n int) Metric { return Metric{Name: name, Unit: Count, Value: float64(n)} }

// Since is a metric of the milliseconds since t.
func Since(name string, t time.Time, now time.Time) Metric {
	return Metric{Name: name, Unit: Milliseconds, Value: float64(now.Sub(t).Microseconds()) / 1000}
}
