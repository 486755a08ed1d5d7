// Package tracing carries an X-Ray trace from a request, through the
// events it causes, to their consumers. Lambda's active tracing records
// each invocation; the trace header in an envelope's metadata, handed to
// EventBridge by the relay and by EventBridge to SQS and on to the
// consumer's invocation, ties them into one trace per request.
package tracing

import (
	"context"

	"github.com/eventshop/eventshop/events"
)

// Header returns the trace header of the invocation that ctx belongs to
// (Root=…;Parent=…;Sampled=…), or "" when it is not traced or not one an
// envelope can carry.
func Header(ctx context.Context) string {
	h, _ := ctx.Value("x-amzn-trace-id").(string) // set by aws-lambda-go for each invocation
	if h == "" || !events.ValidTraceHeader(h) {
		return ""
	}
	return h
}

// Metadata is meta with the invocation's trace header, if it has one.
func Metadata(ctx context.Context, meta events.Metadata) events.Metadata {
	if h := Header(ctx); h != "" {
		meta.TraceHeader = h
	}
	return meta
}
