package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// tailCommand shows the bus's events as they come, through a temporary
// rule and queue of its own, which it removes on exit.
func tailCommand(ctx context.Context, opts options, args []string) error {
	fs := flag.NewFlagSet("tail", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var types stringList
	fs.Var(&types, "type", "")
	count := fs.Int("count", 0, "")
	limit := fs.Duration("for", 0, "")
	if err := fs.Parse(args); err != nil {
		return usageError{"tail: " + err.Error()}
	}
	for _, t := range types {
		if _, ok := events.Lookup(t); !ok {
			return usageError{fmt.Sprintf("tail: %q is not an event type of the catalogue", t)}
		}
	}
	s, err := openStack(ctx, opts)
	if err != nil {
		return err
	}
	bus := s.outputs["EventBusName"]
	if bus == "" {
		return fmt.Errorf("stack %s has no output EventBusName", s.name)
	}
	if *limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *limit)
		defer cancel()
	}

	q := sqs.NewFromConfig(s.aws)
	eb := eventbridge.NewFromConfig(s.aws)
	name := "evctl-tail-" + uuid.NewString()[:8]
	tap, err := openTap(ctx, q, eb, bus, name, types)
	if tap != nil {
		defer tap.close(q, eb)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "tailing %s%s (Ctrl-C to stop)\n", bus, filterText(types))

	seen := 0
	for ctx.Err() == nil && (*count == 0 || seen < *count) {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(tap.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return fmt.Errorf("read the tap: %w", err)
		}
		for _, m := range out.Messages {
			env, err := events.FromEventBridge([]byte(aws.ToString(m.Body)))
			switch {
			case err != nil:
				fmt.Fprintf(opts.out, "(unreadable: %v) %s\n", err, aws.ToString(m.Body))
			case opts.json:
				_ = json.NewEncoder(opts.out).Encode(env)
			default:
				replay := ""
				if env.Metadata.Replay {
					replay = "  (replay)"
				}
				fmt.Fprintf(opts.out, "%s  %-20s %s  flow %s  from %s%s\n", env.Timestamp.Format("15:04:05.000"), env.EventType, env.EventID, env.Metadata.CorrelationID, env.Source, replay)
			}
			_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(tap.queueURL), ReceiptHandle: m.ReceiptHandle})
			seen++
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

// tap is the temporary rule and queue of a tail.
type tap struct {
	bus, rule, queueURL string
	targeted            bool
}

func openTap(ctx context.Context, q *sqs.Client, eb *eventbridge.Client, bus, name string, types []string) (*tap, error) {
	t := &tap{bus: bus}
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"MessageRetentionPeriod": "300"}})
	if err != nil {
		return nil, fmt.Errorf("create the tap's queue: %w", err)
	}
	t.queueURL = aws.ToString(created.QueueUrl)
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: created.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		return t, fmt.Errorf("read the tap's queue: %w", err)
	}
	queueARN := attrs.Attributes["QueueArn"]

	pattern := map[string]any{"source": []any{map[string]string{"prefix": "eventshop."}}}
	if len(types) > 0 {
		pattern["detail-type"] = types
	}
	rawPattern, _ := json.Marshal(pattern)
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(bus), EventPattern: aws.String(string(rawPattern)),
		Description: aws.String("evctl tail: removed when the tail ends")})
	if err != nil {
		return t, fmt.Errorf("create the tap's rule: %w", err)
	}
	t.rule = name
	policy, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]string{"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
		"Resource": queueARN, "Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": aws.ToString(rule.RuleArn)}},
	}}})
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: created.QueueUrl, Attributes: map[string]string{"Policy": string(policy)}}); err != nil {
		return t, fmt.Errorf("allow the bus into the tap: %w", err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("tap"), Arn: aws.String(queueARN)}}}); err != nil {
		return t, fmt.Errorf("point the tap's rule at its queue: %w", err)
	}
	t.targeted = true
	return t, nil
}

// close removes the rule and the queue, even if the tail was interrupted.
func (t *tap) close(q *sqs.Client, eb *eventbridge.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if t.targeted {
		_, _ = eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(t.rule), EventBusName: aws.String(t.bus), Ids: []string{"tap"}})
	}
	if t.rule != "" {
		if _, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(t.rule), EventBusName: aws.String(t.bus)}); err != nil {
			fmt.Fprintf(os.Stderr, "evctl: remove the tap's rule %s: %v\n", t.rule, err)
		}
	}
	if _, err := q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(t.queueURL)}); err != nil {
		fmt.Fprintf(os.Stderr, "evctl: remove the tap's queue %s: %v\n", t.queueURL, err)
	}
}
