package events_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
)

// FuzzFromSQS feeds arbitrary message bodies to the decoder every consumer
// uses. Whatever the body, it must not panic, and it must either return a
// valid envelope or an error a consumer can classify.
func FuzzFromSQS(f *testing.F) {
	var msg lambdaevents.SQSMessage
	raw, err := os.ReadFile("testdata/sqs-message.json")
	if err != nil {
		f.Fatal(err)
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		f.Fatal(err)
	}
	f.Add(msg.Body)
	samples, _ := filepath.Glob("testdata/*.*.json")
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
	for _, s := range []string{"", "{}", "null", `{"detail-type":"x","detail":{}}`, `{"detail-type":"user.registered","detail":[]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		env, err := events.FromSQS(lambdaevents.SQSMessage{Body: body})
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
