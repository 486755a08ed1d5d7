package streamed_test

import (
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore/streamed"
)

func TestAnItemWithoutAValidEnvelopeStillNamesItsIDs(t *testing.T) {
	image := map[string]lambdaevents.DynamoDBAttributeValue{
		contract.EventStreamID: lambdaevents.NewStringAttribute("user-1"),
		contract.EventVersion:  lambdaevents.NewNumberAttribute("3"),
		contract.EventEnvelope: lambdaevents.NewStringAttribute(`{"eventId":"e-1","eventType":"user.registered","timestamp":"yesterday",` +
			`"metadata":{"correlationId":"c-1","causationId":"r-1"}}`),
	}
	r, err := streamed.Decode(image)
	if err == nil {
		t.Fatal("an invalid envelope was accepted")
	}
	if r.StreamID != "user-1" || r.Version != 3 || r.Envelope.EventID != "e-1" || r.Envelope.Metadata.CorrelationID != "c-1" || r.Envelope.Metadata.CausationID != "r-1" {
		t.Errorf("item = %+v", r)
	}
}
