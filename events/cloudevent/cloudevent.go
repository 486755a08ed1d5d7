// Package cloudevent maps eventshop's envelope to and from a CloudEvent
// 1.0, in the CloudEvents Go SDK's types, losslessly: what one writes, the
// other reads back the same. evctl tail --cloudevents prints events so.
//
//	eventId        id
//	eventType      type
//	source         source (a URI-reference: eventshop.user)
//	timestamp      time
//	eventVersion   dataschema, the schema of the type's version:
//	               https://eventshop.dev/schemas/<type>.v<N>.json
//	data           data, with datacontenttype application/json
//	metadata       extensions correlationid, causationid, and traceheader
//	               and replay where set
//	members a newer producer added, which eventshop keeps: extensions
//	envelopeextra and metadataextra, their JSON as a string
package cloudevent

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/eventshop/eventshop/events"
)

// SchemaBase is where the schemas are named: a dataschema is SchemaBase
// followed by the schema file of the type's version.
const SchemaBase = "https://eventshop.dev/schemas/"

// Extensions of eventshop's CloudEvents.
const (
	ExtCorrelationID = "correlationid"
	ExtCausationID   = "causationid"
	ExtTraceHeader   = "traceheader"
	ExtReplay        = "replay"
	ExtEnvelopeExtra = "envelopeextra"
	ExtMetadataExtra = "metadataextra"
)

// FromEnvelope is the CloudEvent of an envelope.
func FromEnvelope(env events.Envelope) (event.Event, error) {
	e := event.New(event.CloudEventsVersionV1)
	e.SetID(env.EventID)
	e.SetType(env.EventType)
	e.SetSource(env.Source)
	e.SetTime(env.Timestamp)
	def, ok := events.Lookup(env.EventType)
	if !ok {
		return e, fmt.Errorf("%w: %q", events.ErrUnknownType, env.EventType)
	}
	e.SetDataSchema(SchemaBase + def.SchemaFile(env.EventVersion))
	if err := e.SetData(event.ApplicationJSON, []byte(env.Data)); err != nil {
		return e, err
	}
	e.SetExtension(ExtCorrelationID, env.Metadata.CorrelationID)
	e.SetExtension(ExtCausationID, env.Metadata.CausationID)
	if env.Metadata.TraceHeader != "" {
		e.SetExtension(ExtTraceHeader, env.Metadata.TraceHeader)
	}
	if env.Metadata.Replay {
		e.SetExtension(ExtReplay, true)
	}
	if len(env.Unknown) > 0 {
		e.SetExtension(ExtEnvelopeExtra, string(env.Unknown))
	}
	if len(env.Metadata.Unknown) > 0 {
		e.SetExtension(ExtMetadataExtra, string(env.Metadata.Unknown))
	}
	return e, e.Validate()
}

// ToEnvelope is the envelope of a CloudEvent that FromEnvelope made, or
// that follows its mapping; it is not checked against the schemas (see
// events.Parse).
func ToEnvelope(e event.Event) (events.Envelope, error) {
	if err := e.Validate(); err != nil {
		return events.Envelope{}, err
	}
	if e.DataContentType() != event.ApplicationJSON {
		return events.Envelope{}, fmt.Errorf("datacontenttype %q: want %s", e.DataContentType(), event.ApplicationJSON)
	}
	env := events.Envelope{EventID: e.ID(), EventType: e.Type(), Source: e.Source(), Timestamp: e.Time().UTC(), Data: e.Data()}
	schema, ok := strings.CutPrefix(e.DataSchema(), SchemaBase+e.Type()+".v")
	if _, err := fmt.Sscanf(schema, "%d.json", &env.EventVersion); !ok || err != nil {
		return events.Envelope{}, fmt.Errorf("dataschema %q does not name a version of %s", e.DataSchema(), e.Type())
	}
	ext := e.Extensions()
	str := func(name string) string {
		s, _ := ext[name].(string)
		return s
	}
	env.Metadata.CorrelationID, env.Metadata.CausationID, env.Metadata.TraceHeader = str(ExtCorrelationID), str(ExtCausationID), str(ExtTraceHeader)
	if r, ok := ext[ExtReplay]; ok {
		b, isBool := r.(bool)
		if !isBool {
			// Read back from JSON, an extension's boolean is a string.
			b = fmt.Sprint(r) == "true"
		}
		env.Metadata.Replay = b
	}
	if x := str(ExtEnvelopeExtra); x != "" {
		env.Unknown = []byte(x)
	}
	if x := str(ExtMetadataExtra); x != "" {
		env.Metadata.Unknown = []byte(x)
	}
	if env.Metadata.CorrelationID == "" || env.Metadata.CausationID == "" {
		return env, errors.New("a CloudEvent of eventshop's has the extensions correlationid and causationid")
	}
	return env, nil
}
