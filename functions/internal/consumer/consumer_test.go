package consumer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
)

func message(t *testing.T, id string, edit func(string) string) lambdaevents.SQSMessage {
	t.Helper()
	raw, err := os.ReadFile("../../../events/testdata/sqs-message.json")
	if err != nil {
		t.Fatal(err)
	}
	var m lambdaevents.SQSMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m.MessageId = id
	if edit != nil {
		m.Body = edit(m.Body)
	}
	return m
}

func TestHandlerReportsOnlyTheMessagesThatFailed(t *testing.T) {
	var log bytes.Buffer
	var seen []string
	h := consumer.Handler(slog.New(slog.NewJSONHandler(&log, nil)), func(ctx context.Context, env events.Envelope) error {
		seen = append(seen, env.EventID)
		consumer.Annotate(ctx, slog.String("detail", "x"))
		if len(seen) == 2 {
			return errors.New("throttled")
		}
		if len(seen) == 3 {
			return consumer.ErrSkip
		}
		return nil
	})
	unknown := message(t, "unknown", func(b string) string { return strings.ReplaceAll(b, "user.registered", "user.teleported") })
	garbled := message(t, "garbled", func(string) string { return "{" })
	resp, err := h(context.Background(), lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{
		message(t, "ok", nil), message(t, "fails", nil), message(t, "skipped", nil), unknown, garbled,
	}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "fails,garbled" {
		t.Errorf("failed = %v, want the failing and the unreadable message", failed)
	}
	if len(seen) != 3 {
		t.Errorf("handled %d messages, want the 3 readable ones of known types", len(seen))
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 5 || !strings.Contains(lines[0], `"detail":"x"`) || !strings.Contains(lines[0], `"event_type":"user.registered"`) {
		t.Errorf("log:\n%s", log.String())
	}
}
