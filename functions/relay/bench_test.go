package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/functions/internal/metrics"
)

// countingEventBridge accepts every entry and counts the calls.
type countingEventBridge struct{ calls, entries atomic.Int64 }

func (c *countingEventBridge) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	c.calls.Add(1)
	c.entries.Add(int64(len(in.Entries)))
	out := &eventbridge.PutEventsOutput{Entries: make([]types.PutEventsResultEntry, len(in.Entries))}
	for i := range out.Entries {
		out.Entries[i].EventId = aws.String("e")
	}
	return out, nil
}

// BenchmarkRelayBurst relays stream batches of 100 new events, as a burst
// of registrations fills the stream, and reports how many PutEvents calls
// each event costs (at best 0.1: ten entries a call).
func BenchmarkRelayBurst(b *testing.B) {
	const batch = 100
	records := make([]lambdaevents.DynamoDBEventRecord, batch)
	for i := range records {
		records[i] = insert(b, strconv.Itoa(i+1), registered(b))
	}
	bus := &countingEventBridge{}
	r := &Relay{bus: eventbus.New(bus, "bus"), log: slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics: metrics.New(io.Discard, "relay")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if failed := r.Relay(ctx, records); len(failed) != 0 {
			b.Fatalf("%d records not published", len(failed))
		}
	}
	events := float64(bus.entries.Load())
	b.ReportMetric(float64(bus.calls.Load())/events, "putevents-calls/event")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
}
