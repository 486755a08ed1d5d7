package streamed

import (
	"encoding/json"
	"errors"
	"strconv"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// Item is an event store item as the stream delivers it: an envelope at
// its version of its stream.
type Item struct {
	StreamID string
	Version  int
	Envelope events.Envelope
}

// Decode decodes the new image of an event store item as the table's
// stream delivers it (view type NEW_IMAGE): its stream, version and
// envelope, the envelope checked by events.Parse. If the image holds no
// valid envelope, the error says why, and the item still holds the
// stream, the version and what the envelope's JSON says of its ids, so
// that what cannot be relayed can be found by them.
func Decode(image map[string]lambdaevents.DynamoDBAttributeValue) (Item, error) {
	var it Item
	if av, ok := image[contract.EventStreamID]; ok && av.DataType() == lambdaevents.DataTypeString {
		it.StreamID = av.String()
	}
	if av, ok := image[contract.EventVersion]; ok && av.DataType() == lambdaevents.DataTypeNumber {
		it.Version, _ = strconv.Atoi(av.Number())
	}
	av, ok := image[contract.EventEnvelope]
	if !ok || av.DataType() != lambdaevents.DataTypeString {
		return it, errors.New("stream image has no envelope string: not an event store item")
	}
	env, err := events.Parse([]byte(av.String()))
	if err != nil {
		it.Envelope = salvage([]byte(av.String()))
		return it, err
	}
	it.Envelope = env
	return it, nil
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
