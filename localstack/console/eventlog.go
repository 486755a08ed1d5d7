package console

import (
	"strings"
	"sync"
	"time"

	"github.com/eventshop/eventshop/events"
)

// Event is an event the console saw on the bus, as its lists show it.
type Event struct {
	Seq           int64     `json:"seq"` // the order the console saw it in, from 1
	Seen          time.Time `json:"seen"`
	Time          time.Time `json:"time"`
	Type          string    `json:"type"`
	Version       int       `json:"version"`
	Source        string    `json:"source"`
	ID            string    `json:"id"`
	CorrelationID string    `json:"correlationId"`
	CausationID   string    `json:"causationId"`
	Replay        bool      `json:"replay,omitempty"`
}

// Filter chooses events: each non-empty member must match.
type Filter struct {
	Type          string // a prefix: "user." matches user.registered
	Source        string // a prefix
	CorrelationID string // exactly
}

func (f Filter) match(e *Event) bool {
	return strings.HasPrefix(e.Type, f.Type) && strings.HasPrefix(e.Source, f.Source) &&
		(f.CorrelationID == "" || e.CorrelationID == f.CorrelationID)
}

// eventLog keeps the last events the console saw, in a ring, and wakes
// whoever waits for new ones. It is safe for concurrent use.
type eventLog struct {
	mu       sync.RWMutex
	ring     []stored
	next     int64 // the seq of the next event added
	byID     map[string]int64
	changed  chan struct{} // closed, and replaced, when an event is added
	capacity int
}

type stored struct {
	Event
	env events.Envelope
}

func newEventLog(capacity int) *eventLog {
	return &eventLog{ring: make([]stored, capacity), next: 1, byID: map[string]int64{}, changed: make(chan struct{}), capacity: capacity}
}

// add keeps an envelope, forgetting the oldest if the log is full.
func (l *eventLog) add(env events.Envelope, seen time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := int(l.next % int64(l.capacity))
	if old := l.ring[i]; old.Seq != 0 && l.byID[old.ID] == old.Seq {
		delete(l.byID, old.ID)
	}
	l.ring[i] = stored{Event: Event{Seq: l.next, Seen: seen, Time: env.Timestamp, Type: env.EventType, Version: env.EventVersion,
		Source: env.Source, ID: env.EventID, CorrelationID: env.Metadata.CorrelationID, CausationID: env.Metadata.CausationID,
		Replay: env.Metadata.Replay}, env: env}
	l.byID[env.EventID] = l.next
	l.next++
	close(l.changed)
	l.changed = make(chan struct{})
}

// last is the seq of the newest event, 0 if none, and a channel closed
// when a newer one comes.
func (l *eventLog) last() (int64, <-chan struct{}) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.next - 1, l.changed
}

// get returns the event of a seq, if the log still has it.
func (l *eventLog) get(seq int64) (stored, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.at(seq)
}

func (l *eventLog) at(seq int64) (stored, bool) {
	if seq < 1 || seq >= l.next || seq <= l.next-1-int64(l.capacity) {
		return stored{}, false
	}
	s := l.ring[int(seq%int64(l.capacity))]
	return s, s.Seq == seq
}

// byEventID returns the event of an event id, if the log still has it.
func (l *eventLog) byEventID(id string) (stored, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	seq, ok := l.byID[id]
	if !ok {
		return stored{}, false
	}
	return l.at(seq)
}

// Page is a page of events, newest first.
type Page struct {
	Events []Event `json:"events"`
	// Before is the cursor of the next, older page; 0 if there is none.
	Before int64 `json:"before"`
	// Newest is the seq of the newest event in the log, matching or not:
	// where a live feed of this page's filter starts.
	Newest int64 `json:"newest"`
	// Kept is how many events the log holds.
	Kept int `json:"kept"`
}

// page returns up to limit events that match f, newest first, older than
// the seq before (0 for the newest), and looks at no more than scan.
func (l *eventLog) page(f Filter, before int64, limit int) Page {
	l.mu.RLock()
	defer l.mu.RUnlock()
	p := Page{Events: []Event{}, Newest: l.next - 1, Kept: int(min(l.next-1, int64(l.capacity)))}
	if before <= 0 || before > l.next {
		before = l.next
	}
	seq := before - 1
	for ; seq >= 1; seq-- {
		s, ok := l.at(seq)
		if !ok {
			break
		}
		if !f.match(&s.Event) {
			continue
		}
		if len(p.Events) == limit {
			p.Before = seq + 1
			break
		}
		p.Events = append(p.Events, s.Event)
	}
	return p
}

// after returns the events that match f, newer than the seq after, oldest
// first, at most limit of the newest of them, and the seq it read to.
func (l *eventLog) after(f Filter, after int64, limit int) ([]Event, int64, int) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []Event
	skipped := 0
	for seq := max(after+1, l.next-int64(l.capacity)); seq < l.next; seq++ {
		s, ok := l.at(seq)
		if ok && f.match(&s.Event) {
			out = append(out, s.Event)
		}
	}
	if len(out) > limit {
		skipped = len(out) - limit
		out = out[skipped:]
	}
	return out, l.next - 1, skipped
}
