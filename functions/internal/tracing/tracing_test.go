package tracing

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
)

func TestTheInvocationsTraceHeaderGoesIntoTheEnvelope(t *testing.T) {
	header := "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	ctx := context.WithValue(context.Background(), "x-amzn-trace-id", header) //nolint:staticcheck // the key aws-lambda-go uses
	meta := Metadata(ctx, events.Metadata{CorrelationID: "c", CausationID: "r"})
	if meta.TraceHeader != header {
		t.Fatalf("trace header = %q", meta.TraceHeader)
	}
	if _, err := events.New(events.UserForgotten{UserID: uuid.NewString()}, meta); err != nil {
		t.Errorf("the envelope refuses the header: %v", err)
	}
}

func TestNoOrOddTraceHeadersAreLeftOut(t *testing.T) {
	for _, h := range []any{nil, "", "has spaces", 42} {
		ctx := context.WithValue(context.Background(), "x-amzn-trace-id", h) //nolint:staticcheck // the key aws-lambda-go uses
		if got := Header(ctx); got != "" {
			t.Errorf("Header(%v) = %q", h, got)
		}
	}
}
