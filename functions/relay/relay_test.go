package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// fakeBus records what it publishes and refuses the event ids in refuse.
type fakeBus struct {
	published []events.Envelope
	refuse    map[string]bool
	err       error
}

func (b *fakeBus) Publish(_ context.Context, envs []events.Envelope) error {
	if b.err != nil {
		return b.err
	}
	var refused eventbus.PublishError
	for i, env := range envs {
		if b.refuse[env.EventID] {
			refused.Failed = append(refused.Failed, eventbus.Failure{Index: i, Code: "InternalFailure"})
			continue
		}
		b.published = append(b.published, env)
	}
	if len(refused.Failed) > 0 {
		return &refused
	}
	return nil
}

func newRelay(bus Publisher) *Relay {
	return &Relay{bus: bus, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func registered(t testing.TB) events.Envelope {
	t.Helper()
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()},
		events.Metadata{CorrelationID: "c", CausationID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// insert is the stream record of an event store item, as DynamoDB Streams
// delivers it with view type NEW_IMAGE.
func insert(t testing.TB, seq string, env events.Envelope) lambdaevents.DynamoDBEventRecord {
	t.Helper()
	raw, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return lambdaevents.DynamoDBEventRecord{
		EventName: "INSERT",
		Change: lambdaevents.DynamoDBStreamRecord{
			SequenceNumber: seq,
			NewImage: map[string]lambdaevents.DynamoDBAttributeValue{
				contract.EventStreamID: lambdaevents.NewStringAttribute("user-1"),
				contract.EventVersion:  lambdaevents.NewNumberAttribute("1"),
				contract.EventEnvelope: lambdaevents.NewStringAttribute(string(raw)),
			},
		},
	}
}

func TestRelayPublishesEveryInsertedEvent(t *testing.T) {
	bus := &fakeBus{}
	a, b := registered(t), registered(t)
	modify := insert(t, "300", registered(t))
	modify.EventName = "MODIFY"
	failed := newRelay(bus).Relay(context.Background(), []lambdaevents.DynamoDBEventRecord{insert(t, "100", a), insert(t, "200", b), modify})
	if len(failed) != 0 {
		t.Errorf("failed = %v", failed)
	}
	if len(bus.published) != 2 || bus.published[0].EventID != a.EventID || bus.published[1].EventID != b.EventID {
		t.Errorf("published %v, want the two inserts", bus.published)
	}
}

func TestRelayReportsExactlyTheRecordsTheBusRefused(t *testing.T) {
	a, b, c := registered(t), registered(t), registered(t)
	bus := &fakeBus{refuse: map[string]bool{b.EventID: true}}
	failed := newRelay(bus).Relay(context.Background(), []lambdaevents.DynamoDBEventRecord{insert(t, "1", a), insert(t, "2", b), insert(t, "3", c)})
	if !slices.Equal(failed, []string{"2"}) {
		t.Errorf("failed = %v, want [2]", failed)
	}
}

func TestRelayReportsEveryRecordWhenTheBusIsUnreachable(t *testing.T) {
	bus := &fakeBus{err: errors.New("connection refused")}
	failed := newRelay(bus).Relay(context.Background(), []lambdaevents.DynamoDBEventRecord{insert(t, "1", registered(t)), insert(t, "2", registered(t))})
	if !slices.Equal(failed, []string{"1", "2"}) {
		t.Errorf("failed = %v", failed)
	}
}

func TestRelayReportsARecordThatIsNotAValidEnvelope(t *testing.T) {
	bus := &fakeBus{}
	bad := insert(t, "2", registered(t))
	bad.Change.NewImage[contract.EventEnvelope] = lambdaevents.NewStringAttribute(`{"eventType":"user.registered"}`)
	notAnEvent := insert(t, "3", registered(t))
	delete(notAnEvent.Change.NewImage, contract.EventEnvelope)
	failed := newRelay(bus).Relay(context.Background(), []lambdaevents.DynamoDBEventRecord{insert(t, "1", registered(t)), bad, notAnEvent})
	if !slices.Equal(failed, []string{"2", "3"}) {
		t.Errorf("failed = %v, want [2 3]", failed)
	}
	if len(bus.published) != 1 {
		t.Errorf("published %d, want the valid one", len(bus.published))
	}
}

func TestHandlerReportsFailuresBySequenceNumber(t *testing.T) {
	a := registered(t)
	bus := &fakeBus{refuse: map[string]bool{a.EventID: true}}
	resp, err := handler(newRelay(bus))(context.Background(), lambdaevents.DynamoDBEvent{Records: []lambdaevents.DynamoDBEventRecord{insert(t, "42", a)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "42" {
		t.Errorf("response = %+v", resp)
	}
}

func TestRelayCountsWhatItPublishedByEventType(t *testing.T) {
	var out bytes.Buffer
	a, b := registered(t), registered(t)
	r := newRelay(&fakeBus{refuse: map[string]bool{b.EventID: true}})
	r.metrics = metrics.New(&out, "relay")
	r.Relay(context.Background(), []lambdaevents.DynamoDBEventRecord{insert(t, "1", a), insert(t, "2", b)})
	for _, want := range []string{`"EventsPublished":1`, `"EventsNotPublished":1`, `"EventType":"user.forgotten"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("metrics lack %s:\n%s", want, out.String())
		}
	}
}

func TestEveryLineNamesTheInvocationAndTheEvent(t *testing.T) {
	lines := func(t *testing.T, bus Publisher, records ...lambdaevents.DynamoDBEventRecord) []map[string]any {
		t.Helper()
		var out bytes.Buffer
		r := &Relay{bus: bus, log: slog.New(slog.NewJSONHandler(&out, nil))}
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-1"})
		r.Relay(ctx, records)
		var got []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var line map[string]any
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("log line %q: %v", l, err)
			}
			got = append(got, line)
		}
		return got
	}
	a, b := registered(t), registered(t)
	bad := insert(t, "3", b)
	bad.Change.NewImage[contract.EventEnvelope] = lambdaevents.NewStringAttribute(`{"eventId":"` + b.EventID + `","eventType":"user.forgotten"}`)
	for name, tt := range map[string]struct {
		bus     Publisher
		records []lambdaevents.DynamoDBEventRecord
		msg     string
		event   events.Envelope
	}{
		"a published event":                    {&fakeBus{}, []lambdaevents.DynamoDBEventRecord{insert(t, "1", a)}, "published", a},
		"an event the bus refused":             {&fakeBus{refuse: map[string]bool{a.EventID: true}}, []lambdaevents.DynamoDBEventRecord{insert(t, "1", a)}, "not published", a},
		"an event when the bus is unreachable": {&fakeBus{err: errors.New("connection refused")}, []lambdaevents.DynamoDBEventRecord{insert(t, "1", a)}, "not published", a},
		"an envelope that is not valid":        {&fakeBus{}, []lambdaevents.DynamoDBEventRecord{bad}, "unpublishable record", events.Envelope{EventID: b.EventID, EventType: b.EventType}},
	} {
		t.Run(name, func(t *testing.T) {
			got := lines(t, tt.bus, tt.records...)
			if len(got) != 1 {
				t.Fatalf("%d lines, want 1: %v", len(got), got)
			}
			l := got[0]
			if l["msg"] != tt.msg || l["request_id"] != "lambda-1" || l["event_id"] != tt.event.EventID || l["event_type"] != tt.event.EventType {
				t.Errorf("line = %v", l)
			}
		})
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Relay, setup)
}
