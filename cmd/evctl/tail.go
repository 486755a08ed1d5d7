package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/cloudevent"
)

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// tailCommand shows the bus's events as they come, through a temporary
// rule and queue of its own, which it removes on exit. It first removes
// those that tails killed before they could clean up left behind.
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
	removed, err := sweepTaps(ctx, q, eb, bus, time.Now())
	for _, name := range removed {
		fmt.Fprintf(opts.errOut, "removed %s, left behind by a tail that was killed\n", name)
	}
	if err != nil {
		fmt.Fprintf(opts.errOut, "evctl: looking for taps left behind: %v\n", err)
	}
	tap, err := openTap(ctx, q, eb, bus, tapName(time.Now()), types)
	if tap != nil {
		defer tap.close(q, eb, opts.errOut)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.errOut, "tailing %s%s (Ctrl-C to stop)\n", bus, filterText(types))

	seen, lastBeat := 0, time.Now()
	for ctx.Err() == nil && (*count == 0 || seen < *count) {
		// The receive below waits at most a second, so the beat is never
		// late by more than that.
		if now := time.Now(); now.Sub(lastBeat) >= tapHeartbeat {
			if err := tap.beat(ctx, eb, now); err != nil && ctx.Err() == nil {
				fmt.Fprintf(opts.errOut, "evctl: keep the tap's rule alive: %v\n", err)
			}
			lastBeat = now
		}
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(tap.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return fmt.Errorf("read the tap: %w", err)
		}
		for _, m := range out.Messages {
			env, err := eventbus.Decode([]byte(aws.ToString(m.Body)))
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
			_, _ = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(tap.queueURL), ReceiptHandle: m.ReceiptHandle})
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

// A tap's rule and queue share a name that says when it was opened:
// evctl-tail-<unix seconds>-<8 hex digits>. A running tail rewrites its
// rule's description every tapHeartbeat; one whose rule has not been
// rewritten for tapStaleAfter was killed before it could clean up.
const (
	tapPrefix     = "evctl-tail-"
	tapHeartbeat  = time.Minute
	tapStaleAfter = 10 * time.Minute
)

var (
	tapPattern  = regexp.MustCompile(`^evctl-tail-([0-9]{10})-[0-9a-f]{8}$`)
	alivePrefix = "evctl tail: removed when the tail ends; alive at "
)

func tapName(now time.Time) string {
	return fmt.Sprintf("%s%d-%s", tapPrefix, now.Unix(), strings.ReplaceAll(uuid.NewString(), "-", "")[:8])
}

// tapOpened is when the tap of that name was opened, if the name is a tap's.
func tapOpened(name string) (time.Time, bool) {
	m := tapPattern.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// lastAlive is when a tap's rule last showed its tail alive: its heartbeat,
// else when it was opened.
func lastAlive(opened time.Time, description string) time.Time {
	if at, ok := strings.CutPrefix(description, alivePrefix); ok {
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			return t
		}
	}
	return opened
}

// sweepTaps removes the taps of bus that killed tails left behind, and
// returns their names. It touches only what a tail made, by its name: a
// rule on bus whose tail has not shown it is alive for tapStaleAfter, with
// the queue of the same name; and a queue older than that whose rule is
// gone, unless its policy lets another bus's rule in.
func sweepTaps(ctx context.Context, q *sqs.Client, eb *eventbridge.Client, bus string, now time.Time) ([]string, error) {
	var removed []string
	live := map[string]bool{}
	var errs []error
	list := &eventbridge.ListRulesInput{EventBusName: aws.String(bus), NamePrefix: aws.String(tapPrefix)}
	for {
		page, err := eb.ListRules(ctx, list)
		if err != nil {
			return removed, fmt.Errorf("list rules: %w", err)
		}
		for _, r := range page.Rules {
			name := aws.ToString(r.Name)
			opened, ok := tapOpened(name)
			if !ok {
				continue
			}
			if now.Sub(lastAlive(opened, aws.ToString(r.Description))) < tapStaleAfter {
				live[name] = true
				continue
			}
			if err := removeRule(ctx, eb, bus, name); err != nil {
				errs = append(errs, err)
				live[name] = true // its queue may still be a target
				continue
			}
			removed = append(removed, "rule "+name)
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		list.NextToken = page.NextToken
	}
	queues := sqs.NewListQueuesPaginator(q, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(tapPrefix)})
	for queues.HasMorePages() {
		page, err := queues.NextPage(ctx)
		if err != nil {
			return removed, errors.Join(append(errs, fmt.Errorf("list queues: %w", err))...)
		}
		for _, url := range page.QueueUrls {
			name := url[strings.LastIndex(url, "/")+1:]
			opened, ok := tapOpened(name)
			if !ok || live[name] || now.Sub(opened) < tapStaleAfter {
				continue
			}
			attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
			if err != nil {
				errs = append(errs, fmt.Errorf("read queue %s: %w", name, err))
				continue
			}
			if policy := attrs.Attributes[string(sqstypes.QueueAttributeNamePolicy)]; policy != "" && !strings.Contains(policy, ":rule/"+bus+"/") {
				continue // a tail of another bus, whose rules this sweep does not see
			}
			if _, err := q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}); err != nil {
				errs = append(errs, fmt.Errorf("remove queue %s: %w", name, err))
				continue
			}
			removed = append(removed, "queue "+name)
		}
	}
	return removed, errors.Join(errs...)
}

func removeRule(ctx context.Context, eb *eventbridge.Client, bus, name string) error {
	targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(name), EventBusName: aws.String(bus)})
	if err != nil {
		return fmt.Errorf("read rule %s: %w", name, err)
	}
	var ids []string
	for _, t := range targets.Targets {
		ids = append(ids, aws.ToString(t.Id))
	}
	if len(ids) > 0 {
		if _, err := eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bus), Ids: ids}); err != nil {
			return fmt.Errorf("remove the targets of rule %s: %w", name, err)
		}
	}
	if _, err := eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String(name), EventBusName: aws.String(bus)}); err != nil {
		return fmt.Errorf("remove rule %s: %w", name, err)
	}
	return nil
}

// tap is the temporary rule and queue of a tail.
type tap struct {
	bus, rule, queueURL, pattern string
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
	t.pattern = string(rawPattern)
	rule, err := eb.PutRule(ctx, t.ruleInput(name, time.Now()))
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
	return t, nil
}

// ruleInput creates or updates the tap's rule, saying that its tail is
// alive at now.
func (t *tap) ruleInput(name string, now time.Time) *eventbridge.PutRuleInput {
	return &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(t.bus), EventPattern: aws.String(t.pattern),
		Description: aws.String(alivePrefix + now.UTC().Format(time.RFC3339))}
}

// beat shows the tap's rule alive at now, so that no other tail takes it
// for one left behind.
func (t *tap) beat(ctx context.Context, eb *eventbridge.Client, now time.Time) error {
	_, err := eb.PutRule(ctx, t.ruleInput(t.rule, now))
	return err
}

// close removes the rule and the queue, even if the tail was interrupted.
func (t *tap) close(q *sqs.Client, eb *eventbridge.Client, errOut io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if t.rule != "" {
		if err := removeRule(ctx, eb, t.bus, t.rule); err != nil {
			fmt.Fprintf(errOut, "evctl: remove the tap's rule: %v\n", err)
		}
	}
	if _, err := q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(t.queueURL)}); err != nil {
		fmt.Fprintf(errOut, "evctl: remove the tap's queue %s: %v\n", t.queueURL, err)
	}
}
