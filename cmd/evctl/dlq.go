package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/dlq"
)

func dlqCommand(ctx context.Context, opts options, args []string) error {
	if len(args) == 0 {
		return usageError{"dlq: want list or redrive"}
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	client := sqs.NewFromConfig(s.aws)
	switch args[0] {
	case "list":
		consumers := args[1:]
		if len(consumers) == 0 {
			consumers = s.consumers()
		}
		return dlqList(ctx, opts, s, client, consumers)
	case "redrive":
		if len(args) != 2 {
			return usageError{"dlq redrive: name one consumer"}
		}
		return dlqRedrive(ctx, opts, s, client, args[1])
	}
	return usageError{fmt.Sprintf("dlq: unknown command %q", args[0])}
}

type queueSummary struct {
	Consumer string `json:"consumer"`
	Queue    string `json:"queue"`
	dlq.Summary
}

func dlqList(ctx context.Context, opts options, s *stack, client *sqs.Client, consumers []string) error {
	var all []queueSummary
	for _, c := range consumers {
		url, err := s.queue(c, "DLQUrl")
		if err != nil {
			return err
		}
		sum, err := dlq.List(ctx, client, url, 1000)
		if err != nil {
			return err
		}
		all = append(all, queueSummary{Consumer: c, Queue: url, Summary: sum})
	}
	if opts.json {
		return json.NewEncoder(opts.out).Encode(all)
	}
	for _, q := range all {
		fmt.Fprintf(opts.out, "%s: %d dead-lettered", q.Consumer, q.Count)
		if q.Count == 0 {
			fmt.Fprintln(opts.out)
			continue
		}
		fmt.Fprintf(opts.out, ", oldest %v ago\n", q.Oldest)
		for _, reason := range sortedKeys(q.Reasons) {
			fmt.Fprintf(opts.out, "  %4d × %s\n", q.Reasons[reason], reason)
		}
		w := tabwriter.NewWriter(opts.out, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "  MESSAGE\tEVENT TYPE\tEVENT\tAGE\tRECEIVES")
		for _, e := range q.Entries {
			fmt.Fprintf(w, "  %s\t%s\t%s\t%v\t%s\n", e.MessageID, e.EventType, e.EventID, e.Age.Round(time.Second), e.Receives)
		}
		w.Flush()
	}
	return nil
}

func dlqRedrive(ctx context.Context, opts options, s *stack, client *sqs.Client, consumer string) error {
	from, err := s.queue(consumer, "DLQUrl")
	if err != nil {
		return err
	}
	to, err := s.queue(consumer, "QueueUrl")
	if err != nil {
		return err
	}
	moved, err := dlq.Redrive(ctx, client, from, to)
	if opts.json {
		out := map[string]any{"consumer": consumer, "moved": moved}
		if err != nil {
			out["error"] = err.Error()
		}
		_ = json.NewEncoder(opts.out).Encode(out)
	} else {
		fmt.Fprintf(opts.out, "%s: moved %d messages back to its queue\n", consumer, moved)
	}
	return err
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return m[b] - m[a] })
	return keys
}
