package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/dlq"
)

func dlqCommand(ctx context.Context, opts options, args []string) error {
	cmd := newCommand("dlq")
	if err := cmd.parse(args); err != nil {
		return err
	}
	args = cmd.Args()
	switch {
	case len(args) == 0:
		return cmd.usage("want list or redrive")
	case args[0] != "list" && args[0] != "redrive":
		return cmd.usage("unknown command %q", args[0])
	}
	// Its subcommands have no flags, but -h and a mistaken flag are told.
	if err := cmd.parse(args[1:]); err != nil {
		return err
	}
	args = append([]string{args[0]}, cmd.Args()...)
	if args[0] == "redrive" && len(args) != 2 {
		return cmd.usage("redrive: name one dead-letter queue")
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	queues := s.deadLetterQueues()
	if len(args) > 1 {
		queues = nil
		for _, name := range args[1:] {
			q, err := s.deadLetterQueue(name)
			if err != nil {
				return err
			}
			queues = append(queues, q)
		}
	}
	client := sqs.NewFromConfig(s.aws)
	if args[0] == "list" {
		return dlqList(ctx, opts, client, queues)
	}
	return dlqRedrive(ctx, opts, s, client, queues[0])
}

type queueSummary struct {
	deadLetterQueue
	dlq.Summary
}

// queueJSON is a queue's summary as --json prints it: dlq's types carry
// no JSON names, and evctl's output names its members in camelCase, as the
// HTTP API does. Durations are in nanoseconds, as trace's are.
type queueJSON struct {
	deadLetterQueue
	Count   int            `json:"count"`
	Oldest  time.Duration  `json:"oldestNs"`
	Reasons map[string]int `json:"reasons"` // by reason
	Types   map[string]int `json:"types"`   // by event type
	Entries []entryJSON    `json:"entries"`
}

// entryJSON is a dead-lettered message, in a queueJSON.
type entryJSON struct {
	MessageID string           `json:"messageId"`
	EventType string           `json:"eventType"`
	EventID   string           `json:"eventId"`
	Reason    string           `json:"reason"`
	Source    string           `json:"source"`
	Target    string           `json:"target,omitempty"`
	Batch     *streamBatchJSON `json:"batch,omitempty"`
	Age       time.Duration    `json:"ageNs"`
	Receives  string           `json:"receives"`
}

// streamBatchJSON is a stream batch the relay gave up on, in an entryJSON.
type streamBatchJSON struct {
	Condition     string `json:"condition"`
	FunctionError string `json:"functionError,omitempty"`
	Stream        string `json:"stream"`
	Shard         string `json:"shard"`
	FirstSequence string `json:"firstSequence"`
	LastSequence  string `json:"lastSequence"`
	FirstArrival  string `json:"firstArrival"`
	LastArrival   string `json:"lastArrival"`
	Size          int    `json:"size"`
}

// listJSON is what dlq list --json prints.
func listJSON(all []queueSummary) []queueJSON {
	out := make([]queueJSON, len(all))
	for i, q := range all {
		out[i] = queueJSON{deadLetterQueue: q.deadLetterQueue, Count: q.Count, Oldest: q.Oldest, Reasons: q.Reasons, Types: q.Types,
			Entries: make([]entryJSON, len(q.Entries))}
		for j, e := range q.Entries {
			out[i].Entries[j] = entryJSON{MessageID: e.MessageID, EventType: e.EventType, EventID: e.EventID, Reason: e.Reason,
				Source: e.Source, Target: e.Target, Age: e.Age, Receives: e.Receives}
			if b := e.Batch; b != nil {
				out[i].Entries[j].Batch = &streamBatchJSON{Condition: b.Condition, FunctionError: b.FunctionError, Stream: b.Stream, Shard: b.Shard,
					FirstSequence: b.FirstSequence, LastSequence: b.LastSequence, FirstArrival: b.FirstArrival, LastArrival: b.LastArrival, Size: b.Size}
			}
		}
	}
	return out
}

func dlqList(ctx context.Context, opts options, client *sqs.Client, queues []deadLetterQueue) error {
	var all []queueSummary
	for _, q := range queues {
		sum, err := dlq.List(ctx, client, q.URL, 1000)
		if err != nil {
			return fmt.Errorf("%s: %w", q.Name, err)
		}
		all = append(all, queueSummary{deadLetterQueue: q, Summary: sum})
	}
	if opts.json {
		return json.NewEncoder(opts.out).Encode(listJSON(all))
	}
	for _, q := range all {
		fmt.Fprintf(opts.out, "%s: %d dead-lettered", q.Name, q.Count)
		if q.Count == 0 {
			fmt.Fprintln(opts.out)
			continue
		}
		fmt.Fprintf(opts.out, ", oldest %v ago\n", q.Oldest)
		for _, reason := range byCount(q.Reasons) {
			fmt.Fprintf(opts.out, "  %4d × %s\n", q.Reasons[reason], reason)
		}
		printEntries(opts.out, q.Kind, q.Entries)
	}
	return nil
}

// printEntries tabulates a queue's messages with what matters for its kind.
func printEntries(out io.Writer, kind string, entries []dlq.Entry) {
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	defer w.Flush()
	switch kind {
	case relayFailures:
		fmt.Fprintln(w, "  SHARD\tSEQUENCE NUMBERS\tRECORDS\tARRIVED\tAGE\tINVOKES")
		for _, e := range entries {
			if b := e.Batch; b != nil {
				fmt.Fprintf(w, "  %s\t%s…%s\t%d\t%s…%s\t%v\t%s\n", b.Shard, b.FirstSequence, b.LastSequence, b.Size, b.FirstArrival, b.LastArrival, e.Age, e.Receives)
			} else {
				fmt.Fprintf(w, "  (%s, not a batch description)\t\t\t\t%v\t\n", e.MessageID, e.Age)
			}
		}
	case busDLQ:
		fmt.Fprintln(w, "  MESSAGE\tEVENT TYPE\tEVENT\tTARGET\tAGE\tATTEMPTS")
		for _, e := range entries {
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%v\t%s\n", e.MessageID, e.EventType, e.EventID, resourceName(e.Target), e.Age, e.Receives)
		}
	default:
		fmt.Fprintln(w, "  MESSAGE\tEVENT TYPE\tEVENT\tAGE\tRECEIVES")
		for _, e := range entries {
			fmt.Fprintf(w, "  %s\t%s\t%s\t%v\t%s\n", e.MessageID, e.EventType, e.EventID, e.Age, e.Receives)
		}
	}
}

// resourceName is the last part of an ARN: a queue's name.
func resourceName(arn string) string {
	return arn[strings.LastIndexAny(arn, ":/")+1:]
}

// relayRedriveRefusal explains what to do with the relay's failures
// instead of a redrive.
const relayRedriveRefusal = `the relay's failures queue holds Lambda's descriptions of the stream batches the relay gave up on, not events: there is nothing to move back.
The events themselves are safe in the event store. Once the cause is fixed (the relay's "unpublishable record" and "not published" log lines say what it was):
  1. find the streams of each batch's records: evctl --json dlq list relay shows the batch's stream ARN, shard and sequence numbers, and for 24 hours
     the stream still holds the records (aws dynamodbstreams get-shard-iterator --shard-iterator-type AT_SEQUENCE_NUMBER …, then get-records);
  2. publish those streams again: evctl replay --from VERSION STREAM (consumers skip what they have handled already);
  3. once every batch is dealt with, empty the queue: aws sqs purge-queue --queue-url %s`

func dlqRedrive(ctx context.Context, opts options, s *stack, client *sqs.Client, q deadLetterQueue) error {
	moved, where, err := dlq.RedriveQueue(ctx, client, q, s.deadLetterQueues())
	if errors.Is(err, dlq.ErrNotEvents) {
		err = fmt.Errorf("%s: will not redrive: "+relayRedriveRefusal, q.Name, q.URL)
	}
	if opts.json {
		_ = json.NewEncoder(opts.out).Encode(redriveJSON(q, moved, err))
	} else if q.Kind != relayFailures {
		fmt.Fprintf(opts.out, "%s: moved %d messages back to %s\n", q.Name, moved, where)
	}
	return err
}

// redriven is what dlq redrive --json prints.
type redriven struct {
	Name  string `json:"name"`
	Moved int    `json:"moved"`
	Error string `json:"error,omitempty"`
}

func redriveJSON(q deadLetterQueue, moved int, err error) redriven {
	r := redriven{Name: q.Name, Moved: moved}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// byCount orders the keys of m by their count, the largest first, and
// equal counts by key, so that the same queue lists the same way each time.
func byCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	return keys
}
