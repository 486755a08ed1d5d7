package eventbus_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
)

// fakeEventBridge answers PutEvents. It refuses an entry if refuse says so
// for the call (from 1) and the entry's index in it, or if the entry's
// detail is refuseDetail.
type fakeEventBridge struct {
	mu           sync.Mutex
	calls        [][]types.PutEventsRequestEntry
	accepted     map[string]int // by detail
	refuse       func(call, index int) bool
	refuseDetail string
	err          error
}

func (f *fakeEventBridge) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in.Entries)
	if f.err != nil {
		return nil, f.err
	}
	if f.accepted == nil {
		f.accepted = map[string]int{}
	}
	out := &eventbridge.PutEventsOutput{}
	for i, e := range in.Entries {
		if (f.refuse != nil && f.refuse(len(f.calls), i)) || aws.ToString(e.Detail) == f.refuseDetail {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, types.PutEventsResultEntry{ErrorCode: aws.String("ThrottlingException"), ErrorMessage: aws.String("slow down")})
			continue
		}
		f.accepted[aws.ToString(e.Detail)]++
		out.Entries = append(out.Entries, types.PutEventsResultEntry{EventId: aws.String(uuid.NewString())})
	}
	return out, nil
}

func envelopes(t *testing.T, n int) []events.Envelope {
	t.Helper()
	out := make([]events.Envelope, n)
	for i := range out {
		env, err := events.New(events.UserForgotten{UserID: uuid.NewString()},
			events.Metadata{CorrelationID: "c", CausationID: "r"})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = env
	}
	return out
}

func publisher(client eventbus.EventBridge) *eventbus.Publisher {
	p := eventbus.New(client, "bus")
	p.Backoff = func(int) time.Duration { return time.Millisecond }
	return p
}

func TestPublishSendsEnvelopesInBatchesOfTen(t *testing.T) {
	fake := &fakeEventBridge{}
	envs := envelopes(t, 25)
	if err := publisher(fake).Publish(context.Background(), envs); err != nil {
		t.Fatal(err)
	}
	if len(fake.calls) != 3 {
		t.Errorf("%d calls for 25 envelopes, want 3", len(fake.calls))
	}
	for _, call := range fake.calls {
		for _, e := range call {
			if aws.ToString(e.EventBusName) != "bus" || aws.ToString(e.DetailType) != "user.forgotten" || aws.ToString(e.Source) != "eventshop.user" {
				t.Errorf("entry %+v", e)
			}
		}
	}
	if len(fake.accepted) != 25 {
		t.Errorf("%d distinct envelopes accepted, want 25", len(fake.accepted))
	}
}

func TestPublishKeepsEachCallUnder256KB(t *testing.T) {
	fake := &fakeEventBridge{}
	envs := envelopes(t, 10)
	for i := range envs { // about 60 KB each
		envs[i].Data = []byte(`{"userId":"` + uuid.NewString() + `","email":"a@example.com","name":"` + strings.Repeat("x", 60_000) + `"}`)
	}
	if err := publisher(fake).Publish(context.Background(), envs); err != nil {
		t.Fatal(err)
	}
	for i, call := range fake.calls {
		size := 0
		for _, e := range call {
			size += eventbus.EntrySize(e)
		}
		if size > eventbus.MaxBatchSize {
			t.Errorf("call %d carries %d bytes", i, size)
		}
	}
	if len(fake.calls) < 3 {
		t.Errorf("%d calls for 600 KB", len(fake.calls))
	}
}

func TestPublishRetriesRefusedEntriesUntilAccepted(t *testing.T) {
	// The first two calls refuse their 2nd and 5th entries.
	fake := &fakeEventBridge{refuse: func(call, index int) bool { return call <= 2 && (index == 1 || index == 4) }}
	envs := envelopes(t, 10)
	if err := publisher(fake).Publish(context.Background(), envs); err != nil {
		t.Fatal(err)
	}
	if len(fake.calls) != 3 || len(fake.calls[1]) != 2 {
		t.Errorf("calls carried %v entries, want 10, then the 2 refused, then the 1 refused again", callSizes(fake))
	}
	for d, n := range fake.accepted {
		if n != 1 {
			t.Errorf("an envelope was accepted %d times: %s", n, d)
		}
	}
	if len(fake.accepted) != 10 {
		t.Errorf("%d accepted, want 10", len(fake.accepted))
	}
}

func TestPublishStopsAtTheFirstBatchTheBusKeepsRefusing(t *testing.T) {
	// Every call refuses the entry at index 3 of the first batch.
	envs := envelopes(t, 25)
	refused := detail(t, envs[3])
	fake := &fakeEventBridge{refuseDetail: refused}
	p := publisher(fake)
	err := p.Publish(context.Background(), envs)
	var pe *eventbus.PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	if pe.Failed[0].Index != 3 || pe.Failed[0].Code != "ThrottlingException" {
		t.Errorf("first failure = %+v, want #3 refused by the bus", pe.Failed[0])
	}
	if len(pe.Failed) != 1+15 || pe.Failed[1].Index != 10 || pe.Failed[1].Code != eventbus.CodeNotAttempted {
		t.Errorf("failed = %+v, want #3 and the 15 envelopes after the first batch", pe.Failed)
	}
	if len(fake.calls) != p.Attempts {
		t.Errorf("%d calls, want one per attempt (%d) and none for later batches", len(fake.calls), p.Attempts)
	}
}

func TestPublishGivesUpOnAnEntryTooLargeForAnyCall(t *testing.T) {
	envs := envelopes(t, 2)
	envs[0].Data = []byte(`{"name":"` + strings.Repeat("x", eventbus.MaxBatchSize) + `"}`)
	fake := &fakeEventBridge{}
	err := publisher(fake).Publish(context.Background(), envs)
	var pe *eventbus.PublishError
	if !errors.As(err, &pe) || pe.Failed[0].Code != eventbus.CodeEntryTooLarge || len(fake.calls) != 0 {
		t.Errorf("err = %v after %d calls", err, len(fake.calls))
	}
}

func TestPublishStopsRetryingBeforeTheDeadline(t *testing.T) {
	fake := &fakeEventBridge{refuse: func(int, int) bool { return true }}
	p := publisher(fake)
	p.Backoff = func(int) time.Duration { return time.Second }
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Publish(ctx, envelopes(t, 1))
	if err == nil || time.Since(start) > time.Second || len(fake.calls) != 1 {
		t.Errorf("err %v after %v and %d calls, want an early report", err, time.Since(start), len(fake.calls))
	}
}

func TestPublishReportsEveryEnvelopeWhenTheCallFails(t *testing.T) {
	fake := &fakeEventBridge{err: errors.New("connection refused")}
	err := publisher(fake).Publish(context.Background(), envelopes(t, 12))
	var pe *eventbus.PublishError
	if !errors.As(err, &pe) || len(pe.Failed) != 12 || pe.Failed[0].Code != eventbus.CodeCallFailed {
		t.Fatalf("err = %v", err)
	}
}

func callSizes(f *fakeEventBridge) []int {
	var n []int
	for _, c := range f.calls {
		n = append(n, len(c))
	}
	return n
}

func detail(t *testing.T, env events.Envelope) string {
	t.Helper()
	fake := &fakeEventBridge{}
	if err := publisher(fake).Publish(context.Background(), []events.Envelope{env}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(fake.calls[0][0].Detail)
}
