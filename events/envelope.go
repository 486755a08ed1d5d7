package events

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
)

// Envelope is the one shape every eventshop event has, on the bus, in the
// event store and in queues. Data holds the payload as raw JSON so that an
// envelope can be carried and stored without knowing its type; [Decode]
// turns it into the payload struct.
type Envelope struct {
	EventID      string          `json:"eventId"`
	EventType    string          `json:"eventType"`
	EventVersion int             `json:"eventVersion"`
	Timestamp    time.Time       `json:"timestamp"`
	Source       string          `json:"source"`
	Data         json.RawMessage `json:"data"`
	Metadata     Metadata        `json:"metadata"`
}

// Metadata links an event to the flow it belongs to. CorrelationID is shared
// by every event a single request causes, directly or downstream;
// CausationID is the id of the event or request that caused this one.
type Metadata struct {
	CorrelationID string `json:"correlationId"`
	CausationID   string `json:"causationId"`
	// TraceHeader is the X-Ray trace header of the invocation that made
	// the event (Root=…;Parent=…;Sampled=…), which the relay hands to
	// EventBridge so that one request's path is one trace.
	TraceHeader string `json:"traceHeader,omitempty"`
	// Replay marks an event published again from the event store, for a
	// consumer that came later; consumers that saw it skip it by eventId.
	Replay bool `json:"replay,omitempty"`
}

// Payload is implemented by every event payload in the catalogue.
type Payload interface {
	// EventType names the catalogue entry the payload belongs to.
	EventType() string
}

// New builds a validated envelope around p: a fresh version 4 event id, the
// current time in UTC and the type, version and source from the catalogue.
// It returns an [*InvalidError] if p or meta does not satisfy the schema.
//
// Only what a caller supplies is checked — the payload against its
// schema, the metadata against the envelope schema's patterns — as the
// rest is valid by construction; tests hold New to what Parse accepts.
func New(p Payload, meta Metadata) (Envelope, error) {
	def, ok := Lookup(p.EventType())
	if !ok {
		return Envelope{}, fmt.Errorf("%w: %q", ErrUnknownType, p.EventType())
	}
	if err := meta.validate(); err != nil {
		return Envelope{}, err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s: %w", def.Type, err)
	}
	if err := validateData(data, def); err != nil {
		return Envelope{}, err
	}
	return Envelope{
		EventID:      uuid.NewString(),
		EventType:    def.Type,
		EventVersion: def.Version,
		Timestamp:    time.Now().UTC(),
		Source:       def.Source,
		Data:         data,
		Metadata:     meta,
	}, nil
}

// The patterns bound no length: a counted repetition such as {1,128}
// compiles into one copy of the class per count, which costs a cold start
// more than a millisecond; the length is checked on its own.
var traceHeaderPattern = regexp.MustCompile(`^[A-Za-z0-9=;:.+/_-]+$`)

// validate checks metadata as schemas/envelope.json does.
func (m Metadata) validate() error {
	switch {
	case !ValidTraceID(m.CorrelationID):
		return &InvalidError{Field: "metadata.correlationId", Reason: "must be 1 to 128 letters, digits or any of . _ : = + / -"}
	case !ValidTraceID(m.CausationID):
		return &InvalidError{Field: "metadata.causationId", Reason: "must be 1 to 128 letters, digits or any of . _ : = + / -"}
	case m.TraceHeader != "" && (len(m.TraceHeader) > 256 || !traceHeaderPattern.MatchString(m.TraceHeader)):
		return &InvalidError{Field: "metadata.traceHeader", Reason: "is not an X-Ray trace header"}
	}
	return nil
}

// Parse decodes and validates one envelope. Errors wrap [ErrInvalid] when
// the bytes are not a valid envelope (an [*InvalidError] names the field),
// [ErrUnknownType] when the type is not in the catalogue, and
// [ErrUnknownVersion] when the type is known but the version is not; in the
// last two cases the returned envelope is still filled in, so that a consumer
// can log what it skips.
func Parse(raw []byte) (Envelope, error) {
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		// The schema names the offending field better than encoding/json.
		if verr := validate(raw, nil); verr != nil {
			return Envelope{}, verr
		}
		return Envelope{}, &InvalidError{Reason: "not a JSON envelope: " + err.Error()}
	}
	def, ok := Lookup(env.EventType)
	switch {
	case !ok && env.EventType == "":
		return Envelope{}, &InvalidError{Field: "eventType", Reason: "is required"}
	case !ok:
		return env, fmt.Errorf("%w: %q", ErrUnknownType, env.EventType)
	case env.EventVersion != def.Version:
		return env, fmt.Errorf("%w: %s v%d (this build knows v%d)", ErrUnknownVersion, env.EventType, env.EventVersion, def.Version)
	case env.Source != def.Source:
		// Only its own service may publish an event type; rules match on it.
		return Envelope{}, &InvalidError{Field: "source", Reason: fmt.Sprintf("%s is published by %s, not %q", def.Type, def.Source, env.Source)}
	}
	if err := validate(raw, &def); err != nil {
		return Envelope{}, err
	}
	return env, nil
}

// Decode unmarshals the envelope's data into the payload type T, checking
// that the envelope carries T's event type.
func Decode[T Payload](env Envelope) (T, error) {
	var p T
	if env.EventType != p.EventType() {
		return p, fmt.Errorf("decode %s as %s: %w", env.EventType, p.EventType(), ErrInvalid)
	}
	if err := json.Unmarshal(env.Data, &p); err != nil {
		return p, &InvalidError{Field: "data", Reason: err.Error()}
	}
	return p, nil
}

// traceIDPattern is what schemas/envelope.json allows as a correlation or
// causation id.
var traceIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:=+/-]+$`)

// ValidTraceID says whether s may be a correlation or causation id: 1 to
// 128 letters, digits or any of . _ : = + / -, so that a UUID, an API
// Gateway request id or a caller's own token all fit.
func ValidTraceID(s string) bool { return len(s) <= 128 && traceIDPattern.MatchString(s) }
