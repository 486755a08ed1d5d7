package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus/delivered"
	"github.com/eventshop/eventshop/eventbus/tap"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/cloudevent"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// tailCommand shows the bus's events as they come, through a tap of its
// own (a temporary rule and queue), which it removes on exit. It first
// removes those that tails killed before they could clean up left behind.
func tailCommand(ctx context.Context, opts options, args []string) error {
	cmd := newCommand("tail")
	var types stringList
	cmd.Var(&types, "type", "")
	count := cmd.Int("count", 0, "")
	limit := cmd.Duration("for", 0, "")
	asCloudEvents := cmd.Bool("cloudevents", false, "")
	if err := cmd.parse(args); err != nil {
		return err
	}
	for _, t := range types {
		if _, ok := events.Lookup(t); !ok {
			return cmd.usage("%q is not an event type of the catalogue", t)
		}
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	bus, err := s.needOutput(contract.OutputEventBusName)
	if err != nil {
		return err
	}
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}

	q := sqs.NewFromConfig(s.aws)
	eb := eventbridge.NewFromConfig(s.aws)
	removed, err := tap.Sweep(ctx, q, eb, bus, time.Now())
	for _, name := range removed {
		fmt.Fprintf(opts.errOut, "removed %s, left behind by a tail that was killed\n", name)
	}
	if err != nil {
		fmt.Fprintf(opts.errOut, "evctl: looking for taps left behind: %v\n", err)
	}
	t, err := tap.Open(ctx, q, eb, bus, tap.Name(time.Now()), types)
	if t != nil {
		defer func() {
			if err := t.Close(q, eb); err != nil {
				fmt.Fprintf(opts.errOut, "evctl: %v\n", err)
			}
		}()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.errOut, "tailing %s%s (Ctrl-C to stop)\n", bus, filterText(types))

	seen, lastBeat := 0, time.Now()
	for ctx.Err() == nil && (*count == 0 || seen < *count) {
		// The receive below waits at most a second, so the beat is never
		// late by more than that.
		if now := time.Now(); now.Sub(lastBeat) >= tap.Heartbeat {
			if err := t.Beat(ctx, eb, now); err != nil && ctx.Err() == nil {
				fmt.Fprintf(opts.errOut, "evctl: keep the tap's rule alive: %v\n", err)
			}
			lastBeat = now
		}
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(t.QueueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return fmt.Errorf("read the tap: %w", err)
		}
		for _, m := range out.Messages {
			env, err := delivered.Decode([]byte(aws.ToString(m.Body)))
			switch {
			case err != nil:
				// Not an event: a note for the operator, never a line of
				// the output a script reads.
				fmt.Fprintf(opts.errOut, "evctl: unreadable message %s (%v): %s\n", aws.ToString(m.MessageId), err, aws.ToString(m.Body))
			case *asCloudEvents:
				if ce, err := cloudevent.FromEnvelope(env); err != nil {
					fmt.Fprintf(opts.errOut, "evctl: %s as a CloudEvent: %v\n", env.EventID, err)
				} else {
					_ = json.NewEncoder(opts.out).Encode(ce)
					seen++
				}
			case opts.json:
				_ = json.NewEncoder(opts.out).Encode(env)
				seen++
			default:
				replay := ""
				if env.Metadata.Replay {
					replay = "  (replay)"
				}
				fmt.Fprintf(opts.out, "%s  %-20s %s  flow %s  from %s%s\n", env.Timestamp.Format("15:04:05.000"), env.EventType, env.EventID, env.Metadata.CorrelationID, env.Source, replay)
				seen++
			}
			_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(t.QueueURL), ReceiptHandle: m.ReceiptHandle})
			if *count > 0 && seen == *count {
				break
			}
		}
	}
	return nil
}

func filterText(types []string) string {
	if len(types) == 0 {
		return ""
	}
	return " for " + strings.Join(types, ", ")
}
