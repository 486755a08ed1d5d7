package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/eventbus/delivered"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/keyring"
)

// The envelope comparison of make bench: reading one user.registered, as
// EventBridge delivers it in an SQS message's body, into its payload
// type — by eventshop (decode and validate the envelope and the payload
// against their schemas, then decode the payload), and by plain
// json.Unmarshal into a struct of the same fields, which checks nothing.

// registeredBody is the body of an SQS message carrying a user.registered
// of the current version, with a sealed contact.
func registeredBody(b *testing.B) []byte {
	b.Helper()
	keys := keyring.NewMemory()
	key, err := keys.New(context.Background(), uuid.NewString())
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := keyring.Seal(key, events.Contact{Email: "ada@example.com", Name: "Ada Lovelace"})
	if err != nil {
		b.Fatal(err)
	}
	env, err := events.New(events.UserRegistered{UserID: key.Subject(), Contact: sealed},
		events.Metadata{CorrelationID: uuid.NewString(), CausationID: uuid.NewString()})
	if err != nil {
		b.Fatal(err)
	}
	detail, err := json.Marshal(env)
	if err != nil {
		b.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"version": "0", "id": uuid.NewString(), "detail-type": env.EventType,
		"source": env.Source, "account": "000000000000", "time": env.Timestamp, "region": "us-east-1", "resources": []string{},
		"detail": json.RawMessage(detail)})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkEnvelopeEventshop is what eventshop's consumer does with each
// message's body before its handler: delivered.Decode, then events.Decode.
func BenchmarkEnvelopeEventshop(b *testing.B) {
	body := registeredBody(b)
	b.ReportAllocs()
	for b.Loop() {
		env, err := delivered.Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := events.Decode[events.UserRegistered](env); err != nil {
			b.Fatal(err)
		}
	}
}

// plainDelivery is the delivery as plain structs, for json.Unmarshal.
type plainDelivery struct {
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	Detail     struct {
		EventID      string                `json:"eventId"`
		EventType    string                `json:"eventType"`
		EventVersion int                   `json:"eventVersion"`
		Timestamp    time.Time             `json:"timestamp"`
		Source       string                `json:"source"`
		Data         events.UserRegistered `json:"data"`
		Metadata     struct {
			CorrelationID string `json:"correlationId"`
			CausationID   string `json:"causationId"`
			TraceHeader   string `json:"traceHeader"`
			Replay        bool   `json:"replay"`
		} `json:"metadata"`
	} `json:"detail"`
}

// BenchmarkEnvelopePlain is the baseline: json.Unmarshal of the same body
// into plainDelivery.
func BenchmarkEnvelopePlain(b *testing.B) {
	body := registeredBody(b)
	b.ReportAllocs()
	for b.Loop() {
		var d plainDelivery
		if err := json.Unmarshal(body, &d); err != nil {
			b.Fatal(err)
		}
	}
}
