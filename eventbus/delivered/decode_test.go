package delivered_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/eventbus/delivered"
	"github.com/eventshop/eventshop/events"
)

// sqsMessage is the sample SQS message of an event that an EventBridge
// rule put in a consumer's queue.
func sqsMessage(t testing.TB) lambdaevents.SQSMessage {
	t.Helper()
	var msg lambdaevents.SQSMessage
	if err := json.Unmarshal(testdata(t, "sqs-message.json"), &msg); err != nil {
		t.Fatal(err)
	}
	return msg
}

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeReadsTheEnvelopeEventBridgeDelivered(t *testing.T) {
	env, err := delivered.Decode([]byte(sqsMessage(t).Body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(env)
	var w, g any
	if err := json.Unmarshal(testdata(t, "user.registered.v1.json"), &w); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(got, &g)
	want, _ := json.Marshal(w)
	have, _ := json.Marshal(g)
	if string(want) != string(have) {
		t.Errorf("JSON differs:\nwant %s\n got %s", want, have)
	}
}

func TestDecodeRefusesADetailTypeThatContradictsTheEnvelope(t *testing.T) {
	body := strings.Replace(sqsMessage(t).Body, `"detail-type":"user.registered"`, `"detail-type":"order.placed"`, 1)
	if _, err := delivered.Decode([]byte(body)); !errors.Is(err, events.ErrInvalid) {
		t.Errorf("err = %v, want ErrInvalid", err)
	}
}

func TestDecodeRefusesABodyThatIsNotAnEventBridgeEvent(t *testing.T) {
	for _, body := range []string{"", "hello", `{"eventType":"user.registered"}`} {
		if _, err := delivered.Decode([]byte(body)); !errors.Is(err, events.ErrInvalid) {
			t.Errorf("Decode(%q) = %v, want ErrInvalid", body, err)
		}
	}
}

func TestDecodeSkipsTheEventBridgeMembersItDoesNotRead(t *testing.T) {
	body := strings.Replace(sqsMessage(t).Body, `"detail-type"`, `"x-count":7,"x-new":{"a":[1,{"b":null}]},"detail-type"`, 1)
	if body == sqsMessage(t).Body {
		t.Fatal("the sample has no detail-type")
	}
	if _, err := delivered.Decode([]byte(body)); err != nil {
		t.Errorf("refused a body with members it does not read: %v", err)
	}
}

func TestDecodeRefusesAnEventThatCanBeReadTwoWays(t *testing.T) {
	body := sqsMessage(t).Body
	for name, b := range map[string]string{
		"a detail-type twice":  strings.Replace(body, `"detail-type":"user.registered"`, `"detail-type":"user.registered","detail-type":"user.registered"`, 1),
		"a detail twice":       strings.Replace(body, `"detail":`, `"detail":{},"detail":`, 1),
		"more after the event": body + ` {}`,
	} {
		if b == body {
			t.Fatalf("%s: the sample was not changed", name)
		}
		if _, err := delivered.Decode([]byte(b)); !errors.Is(err, events.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

// FuzzDecode feeds arbitrary message bodies to the decoder every consumer
// uses. Whatever the body, it must not panic, and it must either return a
// valid envelope or an error a consumer can classify.
func FuzzDecode(f *testing.F) {
	f.Add(sqsMessage(f).Body)
	samples, _ := filepath.Glob(filepath.Join("..", "events", "testdata", "*.*.json"))
	for _, s := range samples {
		detail, _ := os.ReadFile(s)
		var env struct {
			EventType string `json:"eventType"`
			Source    string `json:"source"`
		}
		_ = json.Unmarshal(detail, &env)
		body, _ := json.Marshal(map[string]any{"version": "0", "detail-type": env.EventType, "source": env.Source, "detail": json.RawMessage(detail)})
		f.Add(string(body))
	}
	for _, s := range []string{"", "{}", "null", `{"detail-type":"x","detail":{}}`, `{"detail-type":"user.registered","detail":[]}`,
		`{"detail-type":"user.forgotten","source":"eventshop.user","detail":{"eventId":"1","eventId":"2"}}`,
		`{"detail-type":"user.forgotten","source":"eventshop.user","detail":{"EventId":"1","eventId":"2"}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		env, err := delivered.Decode([]byte(body))
		if err != nil {
			if !errors.Is(err, events.ErrInvalid) && !errors.Is(err, events.ErrUnknownType) && !errors.Is(err, events.ErrUnknownVersion) {
				t.Fatalf("unclassified error %v for %q", err, body)
			}
			return
		}
		again, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := events.Parse(again); err != nil {
			t.Fatalf("accepted %q, but its envelope does not parse again: %v", body, err)
		}
	})
}

// BenchmarkDecode reads one user.registered envelope from an SQS message
// as EventBridge delivers it: decode, validate envelope and payload. It is
// the part of a consumer's warm path that make bench sets beside the
// whole of it.
func BenchmarkDecode(b *testing.B) {
	body := []byte(sqsMessage(b).Body)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := delivered.Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}
