package events

import (
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/jsoncheck"
)

// Envelope is the one shape every eventshop event has, on the bus, in the
// event store and in queues. Data holds the payload as raw JSON, at the
// envelope's version, so that an envelope can be carried and stored
// without knowing its type; [Decode] turns it into the payload struct of
// the latest version.
type Envelope struct {
	EventID      string         `json:"eventId"`
	EventType    string         `json:"eventType"`
	EventVersion int            `json:"eventVersion"`
	Timestamp    time.Time      `json:"timestamp"`
	Source       string         `json:"source"`
	Data         jsontext.Value `json:"data"`
	Metadata     Metadata       `json:"metadata"`
	// Unknown holds the members a newer producer added that this build
	// does not know, so that an envelope read and written again — by a
	// replay, say — keeps them.
	Unknown jsontext.Value `json:",embed"`
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
	Replay bool `json:"replay,omitzero"`
	// Unknown holds members of a newer producer's metadata.
	Unknown jsontext.Value `json:",embed"`
}

// CausedBy is the metadata of an event that env caused: the same flow and
// trace, with env as its cause.
func CausedBy(env Envelope) Metadata {
	return Metadata{CorrelationID: env.Metadata.CorrelationID, CausationID: env.EventID, TraceHeader: env.Metadata.TraceHeader}
}

// Payload is implemented by every event payload in the catalogue.
type Payload interface {
	// EventType names the catalogue entry the payload belongs to.
	EventType() string
}

// New builds a validated envelope around p: a fresh version 4 event id, the
// current time in UTC, and the type, latest version and source from the
// catalogue. It checks strictly what it writes: p against its schema, meta
// against the envelope's. It returns an [*InvalidError] if they do not hold.
func New(p Payload, meta Metadata) (Envelope, error) {
	def, ok := Lookup(p.EventType())
	if !ok {
		return Envelope{}, fmt.Errorf("%w: %q", ErrUnknownType, p.EventType())
	}
	data, err := json.Marshal(p)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode %s: %w", def.Type, err)
	}
	if err := checkData(data, def, def.Latest(), jsoncheck.Strict); err != nil {
		return Envelope{}, err
	}
	if err := checkSubject(p); err != nil {
		return Envelope{}, err
	}
	// The rest of the envelope is right by construction; only the
	// caller's metadata needs checking.
	rawMeta, err := json.Marshal(meta)
	if err != nil {
		return Envelope{}, fmt.Errorf("encode metadata: %w", err)
	}
	if err := jsoncheck.Check(rawMeta, jsoncheck.Strict, checkEnvelopeMetadata); err != nil {
		return Envelope{}, invalid(err, "metadata")
	}
	return Envelope{
		EventID:      uuid.NewString(),
		EventType:    def.Type,
		EventVersion: def.Latest(),
		Timestamp:    time.Now().UTC(),
		Source:       def.Source,
		Data:         data,
		Metadata:     meta,
	}, nil
}

// Parse reads one envelope, as it was written: tolerantly, as a reader
// should. Members it does not know are kept, not refused; what the schema
// of the envelope's own version says of what it knows must hold. Errors
// wrap [ErrInvalid] when the bytes are not a valid envelope (an
// [*InvalidError] names the field), [ErrUnknownType] when the type is not in
// the catalogue, and [ErrUnknownVersion] when the type is known but the
// version is not; in the last two cases the returned envelope is still
// filled in, so that a consumer can log what it skips.
func Parse(raw []byte) (Envelope, error) {
	if err := jsoncheck.Check(raw, jsoncheck.Tolerant, checkEnvelope); err != nil {
		return Envelope{}, invalid(err, "")
	}
	// The check has read raw as strictly as JSON is read here: a name
	// twice, invalid UTF-8 and a lone surrogate are refused already, so
	// that unmarshalling need not look for them again.
	var env Envelope
	if err := json.Unmarshal(raw, (*plainEnvelope)(&env), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)); err != nil {
		return Envelope{}, &InvalidError{Reason: "not a JSON envelope: " + err.Error()}
	}
	def, ok := Lookup(env.EventType)
	switch {
	case !ok:
		return env, fmt.Errorf("%w: %q", ErrUnknownType, env.EventType)
	case !def.Knows(env.EventVersion):
		return env, fmt.Errorf("%w: %s v%d (this build knows v1 to v%d)", ErrUnknownVersion, env.EventType, env.EventVersion, def.Latest())
	case env.Source != def.Source:
		// Only its own service may publish an event type; rules match on it.
		return Envelope{}, &InvalidError{Field: "source", Reason: fmt.Sprintf("%s is published by %s, not %q", def.Type, def.Source, env.Source)}
	}
	if err := checkData(env.Data, def, env.EventVersion, jsoncheck.Tolerant); err != nil {
		return Envelope{}, err
	}
	return env, nil
}

// Upcast returns env at the latest version of its type: its data passed
// through the upcaster of each version from its own on, and its version
// the latest. An envelope at the latest version is returned as it is.
func Upcast(env Envelope) (Envelope, error) {
	def, ok := Lookup(env.EventType)
	if !ok {
		return env, fmt.Errorf("%w: %q", ErrUnknownType, env.EventType)
	}
	if !def.Knows(env.EventVersion) {
		return env, fmt.Errorf("%w: %s v%d", ErrUnknownVersion, env.EventType, env.EventVersion)
	}
	for _, v := range def.Versions[env.EventVersion-1 : len(def.Versions)-1] {
		data, err := v.Upcast(env.Data)
		if err != nil {
			return env, &InvalidError{Field: "data", Reason: fmt.Sprintf("cannot upcast from v%d: %v", v.Number, err)}
		}
		env.Data, env.EventVersion = data, v.Number+1
	}
	return env, nil
}

// Decode unmarshals the envelope's data, upcast to the latest version,
// into the payload type T, checking that the envelope carries T's event
// type. Members T does not know are ignored.
func Decode[T Payload](env Envelope) (T, error) {
	var p T
	if env.EventType != p.EventType() {
		return p, fmt.Errorf("decode %s as %s: %w", env.EventType, p.EventType(), ErrInvalid)
	}
	env, err := Upcast(env)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(env.Data, &p); err != nil {
		return p, &InvalidError{Field: "data", Reason: "does not fit the payload: " + err.Error()}
	}
	return p, nil
}

// MarshalJSON writes the envelope as JSON, with the members of a newer
// producer it kept: the same whichever JSON package asks.
func (e Envelope) MarshalJSON() ([]byte, error) {
	type plain Envelope
	return json.Marshal(plain(e))
}

// UnmarshalJSON reads an envelope without checking it; see [Parse].
func (e *Envelope) UnmarshalJSON(b []byte) error {
	return json.Unmarshal(b, (*plainEnvelope)(e))
}

// plainEnvelope is an Envelope without its methods, for package json.
type plainEnvelope Envelope

// MarshalJSON writes the metadata as JSON; see [Envelope.MarshalJSON].
func (m Metadata) MarshalJSON() ([]byte, error) {
	type plain Metadata
	return json.Marshal(plain(m))
}

// UnmarshalJSON reads metadata without checking it.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	type plain Metadata
	return json.Unmarshal(b, (*plain)(m))
}

// ValidTraceID says whether s may be a correlation or causation id: 1 to
// 128 letters, digits or any of . _ : = + / -, as the envelope's schema
// says, so that a UUID, an API Gateway request id or a caller's own token
// all fit.
func ValidTraceID(s string) bool { return jsoncheck.CheckString(s, checkEnvelopeTraceId) == nil }

// ValidTraceHeader says whether h may be an envelope's trace header, as
// the envelope's schema says.
func ValidTraceHeader(h string) bool {
	return jsoncheck.CheckString(h, checkEnvelopeTraceHeader) == nil
}
