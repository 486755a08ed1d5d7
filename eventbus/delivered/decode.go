package delivered

import (
	"encoding/json"
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
)

// Decode reads the envelope out of an EventBridge event as the bus
// delivers it to a rule's target — the body of a message that a queue
// subscribed to the bus receives. The envelope is the event's detail,
// parsed and validated by events.Parse; its type must equal the
// detail-type. On ErrUnknownType and ErrUnknownVersion the envelope is
// returned as far as it was read, so that a consumer can log what it
// skips.
func Decode(body []byte) (events.Envelope, error) {
	var ev lambdaevents.EventBridgeEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return events.Envelope{}, &events.InvalidError{Reason: "body is not an EventBridge event: " + err.Error()}
	}
	if len(ev.Detail) == 0 || ev.DetailType == "" {
		return events.Envelope{}, &events.InvalidError{Reason: "body is not an EventBridge event: no detail-type or detail"}
	}
	env, err := events.Parse(ev.Detail)
	if err != nil {
		return env, err
	}
	if env.EventType != ev.DetailType {
		return events.Envelope{}, &events.InvalidError{Field: "eventType", Reason: fmt.Sprintf("%q differs from detail-type %q", env.EventType, ev.DetailType)}
	}
	return env, nil
}
