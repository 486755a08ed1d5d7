package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus/delivered"
	"github.com/eventshop/eventshop/eventbus/tap"
	"github.com/eventshop/eventshop/events"
)

// pageSize is how many events a page of the list holds: the page never
// has more rows than that, however many events the console keeps.
const pageSize = 100

// liveBatch is the most events one message of the live feed carries; a
// burst larger than that is sent as its newest events and a count of the
// others, which the page shows as a number rather than as rows.
const liveBatch = pageSize

func filterOf(r *http.Request) Filter {
	q := r.URL.Query()
	return Filter{Type: q.Get("type"), Source: q.Get("source"), CorrelationID: q.Get("correlationId")}
}

// events serves a page of events, newest first: ?before=SEQ for the next.
func (c *Console) events(w http.ResponseWriter, r *http.Request) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	writeJSON(w, c.log.page(filterOf(r), before, pageSize), nil)
}

// event serves one event's envelope, by its seq or its event id.
func (c *Console) event(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("seq")
	s, ok := c.log.byEventID(key)
	if seq, err := strconv.ParseInt(key, 10, 64); !ok && err == nil {
		s, ok = c.log.get(seq)
	}
	if !ok {
		http.Error(w, "the console no longer keeps that event, or never saw it", http.StatusNotFound)
		return
	}
	writeJSON(w, struct {
		Event
		Envelope any `json:"envelope"`
	}{s.Event, s.env}, nil)
}

// live sends, as server-sent events, the events that match the filter
// newer than ?after=SEQ, as they come: each message is a batch.
func (c *Console) live(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "no streaming", http.StatusInternalServerError)
		return
	}
	f := filterOf(r)
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil {
		after, _ = c.log.last()
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	flusher.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		_, changed := c.log.last()
		batch, read, skipped := c.log.after(f, after, liveBatch)
		after = read
		if len(batch) > 0 || skipped > 0 {
			b, _ := json.Marshal(map[string]any{"events": batch, "skipped": skipped, "newest": read})
			fmt.Fprintf(w, "id: %d\ndata: %s\n\n", read, b)
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			fmt.Fprint(w, ": alive\n\n")
			flusher.Flush()
		case <-changed:
			// Let a burst gather: one message for many events.
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// readBus opens a tap on the stack's bus, first removing the taps killed
// tails and consoles left behind, and keeps what it reads until ctx ends.
// It returns what closes the tap. A stack without a bus has no events.
func (c *Console) readBus(ctx context.Context) (func() error, error) {
	bus := c.opts.Outputs[string(contract.OutputEventBusName)]
	if bus == "" {
		return func() error { return nil }, nil
	}
	q, eb := sqs.NewFromConfig(c.opts.AWS), eventbridge.NewFromConfig(c.opts.AWS)
	if removed, err := tap.Sweep(ctx, q, eb, bus, time.Now()); err != nil {
		fmt.Fprintf(c.opts.Log, "console: looking for taps left behind: %v\n", err)
	} else if len(removed) > 0 {
		fmt.Fprintf(c.opts.Log, "console: removed %v, left behind by a tail or console that was killed\n", removed)
	}
	t, err := tap.Open(ctx, q, eb, bus, tap.NameWith(tap.ConsolePrefix, time.Now()), nil)
	if err != nil {
		if t != nil {
			err = errors.Join(err, t.Close(q, eb))
		}
		return nil, fmt.Errorf("console: tap the bus: %w", err)
	}
	c.wg.Go(func() {
		beat := time.NewTicker(tap.Heartbeat)
		defer beat.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-beat.C:
				if err := t.Beat(ctx, eb, now); err != nil && ctx.Err() == nil {
					fmt.Fprintf(c.opts.Log, "console: keep the tap alive: %v\n", err)
				}
			}
		}
	})
	for range 2 { // a burst of events is read twice as fast
		c.wg.Go(func() { c.drain(ctx, q, t.QueueURL) })
	}
	return func() error { return t.Close(q, eb) }, nil
}

// drain reads the tap's queue into the log until ctx ends.
func (c *Console) drain(ctx context.Context, q *sqs.Client, url string) {
	for ctx.Err() == nil {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
			WaitTimeSeconds: 1, VisibilityTimeout: 10})
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(c.opts.Log, "console: read the tap: %v\n", err)
				time.Sleep(200 * time.Millisecond)
			}
			continue
		}
		var done []sqstypes.DeleteMessageBatchRequestEntry
		for i, m := range out.Messages {
			// Read tolerantly: an event of a type or version this build
			// does not know is shown as it came.
			env, err := delivered.Decode([]byte(aws.ToString(m.Body)))
			if err == nil || (env.EventID != "" && (errors.Is(err, events.ErrUnknownType) || errors.Is(err, events.ErrUnknownVersion))) {
				c.log.add(env, time.Now())
			}
			done = append(done, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
		if len(done) > 0 {
			_, _ = q.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: done})
		}
	}
}
