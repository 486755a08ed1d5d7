package events

import (
	"encoding/json"
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// FromEventBridge reads the envelope out of an EventBridge event, which is
// what a queue subscribed to the bus receives as its message body. The
// envelope is the event's detail; its type must equal the detail-type.
func FromEventBridge(body []byte) (Envelope, error) {
	var ev lambdaevents.EventBridgeEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return Envelope{}, &InvalidError{Reason: "body is not an EventBridge event: " + err.Error()}
	}
	if len(ev.Detail) == 0 || ev.DetailType == "" {
		return Envelope{}, &InvalidError{Reason: "body is not an EventBridge event: no detail-type or detail"}
	}
	env, err := Parse(ev.Detail)
	if err != nil {
		return env, err
	}
	if env.EventType != ev.DetailType {
		return Envelope{}, &InvalidError{Field: "eventType", Reason: fmt.Sprintf("%q differs from detail-type %q", env.EventType, ev.DetailType)}
	}
	return env, nil
}

// FromSQS reads the envelope out of an SQS record delivered by an
// EventBridge rule target.
func FromSQS(msg lambdaevents.SQSMessage) (Envelope, error) {
	return FromEventBridge([]byte(msg.Body))
}
