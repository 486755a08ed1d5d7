package eventstore

import (
	"encoding/json"
	"errors"
	"strconv"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// FromStream decodes the new image of an event store item as the table's
// stream delivers it (view type NEW_IMAGE): its stream, version and
// envelope, the envelope checked by events.Parse. If the image holds no
// valid envelope, the error says why, and the record still holds the
// stream, the version and what the envelope's JSON says of its ids, so
// that what cannot be relayed can be found by them.
func FromStream(image map[string]lambdaevents.DynamoDBAttributeValue) (Record, error) {
	var r Record
	if av, ok := image[contract.EventStreamID]; ok && av.DataType() == lambdaevents.DataTypeString {
		r.StreamID = av.String()
	}
	if av, ok := image[contract.EventVersion]; ok && av.DataType() == lambdaevents.DataTypeNumber {
		r.Version, _ = strconv.Atoi(av.Number())
	}
	av, ok := image[contract.EventEnvelope]
	if !ok || av.DataType() != lambdaevents.DataTypeString {
		return r, errors.New("stream image has no envelope string: not an event store item")
	}
	env, err := events.Parse([]byte(av.String()))
	if err != nil {
		r.Envelope = salvage([]byte(av.String()))
		return r, err
	}
	r.Envelope = env
	return r, nil
}

// salvage reads what it can of an envelope that is not valid: its ids,
// whatever else is wrong with it (a field of the wrong type stops
// encoding/json only for that field, and these hold only strings).
func salvage(raw []byte) events.Envelope {
	var ids struct {
		EventID   string `json:"eventId"`
		EventType string `json:"eventType"`
		Metadata  struct {
			CorrelationID string `json:"correlationId"`
			CausationID   string `json:"causationId"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(raw, &ids)
	return events.Envelope{EventID: ids.EventID, EventType: ids.EventType,
		Metadata: events.Metadata{CorrelationID: ids.Metadata.CorrelationID, CausationID: ids.Metadata.CausationID}}
}
