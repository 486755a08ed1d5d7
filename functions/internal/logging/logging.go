package logging

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/eventshop/eventshop/events"
)

// New returns the logger of a service's function.
func New(service string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, nil)).
		With("service", service, "function", os.Getenv("AWS_LAMBDA_FUNCTION_NAME"))
}

// RequestID is the request_id attribute: the id Lambda gave the invocation
// that ctx belongs to, as its START, END and REPORT lines carry it, or ""
// outside Lambda.
func RequestID(ctx context.Context) slog.Attr {
	id := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		id = lc.AwsRequestID
	}
	return slog.String("request_id", id)
}

// Event returns the attributes that identify an event and its flow:
// event_id, event_type, correlation_id and causation_id.
func Event(env events.Envelope) []slog.Attr {
	return []slog.Attr{
		slog.String("event_id", env.EventID),
		slog.String("event_type", env.EventType),
		slog.String("correlation_id", env.Metadata.CorrelationID),
		slog.String("causation_id", env.Metadata.CausationID),
	}
}
