// Package tap shows a bus's events to a person: a temporary rule on the
// bus sends eventshop's events to a temporary queue of the tap's own,
// which the tap's reader drains. evctl tail and the local console open
// one each. A tap's rule shows its reader is alive every Heartbeat; Sweep
// removes the taps whose readers were killed before they could Close.
package tap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
)

// A tap's rule and queue share a name that says who reads it and when it
// was opened: evctl-tail-<unix seconds>-<8 hex digits> for evctl tail,
// console-tap-… for the local console. A running tap's reader rewrites
// its rule's description every Heartbeat; one whose rule has not been
// rewritten for StaleAfter was killed before it could clean up.
const (
	// Prefix begins the name of evctl tail's taps' rules and queues.
	Prefix = "evctl-tail-"
	// ConsolePrefix begins the name of the local console's.
	ConsolePrefix = "console-tap-"
	// Heartbeat is how often a reader shows its tap alive, with Beat.
	Heartbeat = time.Minute
	// StaleAfter is how long a tap's rule may go unrewritten before Sweep
	// takes it for one left behind.
	StaleAfter = 10 * time.Minute
	// AlivePrefix begins a tap's rule's description, before the time its
	// reader last showed it alive.
	AlivePrefix = "evctl tail: removed when the tail ends; alive at "
)

var namePattern = regexp.MustCompile(`^(?:evctl-tail|console-tap)-([0-9]{10})-[0-9a-f]{8}$`)

// Name is a new name for a tap of evctl tail, opened at now.
func Name(now time.Time) string { return NameWith(Prefix, now) }

// NameWith is a new name for a tap whose names begin with prefix (Prefix
// or ConsolePrefix), opened at now.
func NameWith(prefix string, now time.Time) string {
	return fmt.Sprintf("%s%d-%s", prefix, now.Unix(), strings.ReplaceAll(uuid.NewString(), "-", "")[:8])
}

// Opened is when the tap of that name was opened, if the name is a tap's.
func Opened(name string) (time.Time, bool) {
	m := namePattern.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// LastAlive is when a tap's rule last showed its tail alive: its heartbeat,
// else when it was opened.
func LastAlive(opened time.Time, description string) time.Time {
	if at, ok := strings.CutPrefix(description, AlivePrefix); ok {
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			return t
		}
	}
	return opened
}

// Sweep removes the taps of bus that killed tails and consoles left
// behind, and returns their names. It touches only what a tap made, by its
// name: a rule on bus whose reader has not shown it is alive for
// StaleAfter, with the queue of the same name; and a queue older than that
// whose rule is gone, unless its policy lets another bus's rule in.
func Sweep(ctx context.Context, q *sqs.Client, eb *eventbridge.Client, bus string, now time.Time) ([]string, error) {
	var removed []string
	var errs []error
	for _, prefix := range []string{Prefix, ConsolePrefix} {
		gone, err := sweep(ctx, q, eb, bus, prefix, now)
		removed = append(removed, gone...)
		errs = append(errs, err)
	}
	return removed, errors.Join(errs...)
}

// sweep is Sweep for the taps whose names begin with prefix.
func sweep(ctx context.Context, q *sqs.Client, eb *eventbridge.Client, bus, prefix string, now time.Time) ([]string, error) {
	var removed []string
	live := map[string]bool{}
	var errs []error
	list := &eventbridge.ListRulesInput{EventBusName: aws.String(bus), NamePrefix: aws.String(prefix)}
	for {
		page, err := eb.ListRules(ctx, list)
		if err != nil {
			return removed, fmt.Errorf("list rules: %w", err)
		}
		for _, r := range page.Rules {
			name := aws.ToString(r.Name)
			opened, ok := Opened(name)
			if !ok {
				continue
			}
			if now.Sub(LastAlive(opened, aws.ToString(r.Description))) < StaleAfter {
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
	queues := sqs.NewListQueuesPaginator(q, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(prefix)})
	for queues.HasMorePages() {
		page, err := queues.NextPage(ctx)
		if err != nil {
			return removed, errors.Join(append(errs, fmt.Errorf("list queues: %w", err))...)
		}
		for _, url := range page.QueueUrls {
			name := url[strings.LastIndex(url, "/")+1:]
			opened, ok := Opened(name)
			if !ok || live[name] || now.Sub(opened) < StaleAfter {
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

// Tap is the temporary rule and queue of a reader of the bus.
type Tap struct {
	// QueueURL is the queue the bus's events arrive in.
	QueueURL string

	bus, rule, pattern string
}

// Open creates a tap named name on bus for eventshop's events, of the
// given types or of all; on an error after the queue was made, it returns
// the tap too, for Close.
func Open(ctx context.Context, q *sqs.Client, eb *eventbridge.Client, bus, name string, types []string) (*Tap, error) {
	t := &Tap{bus: bus}
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"MessageRetentionPeriod": "300"}})
	if err != nil {
		return nil, fmt.Errorf("create the tap's queue: %w", err)
	}
	t.QueueURL = aws.ToString(created.QueueUrl)
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
func (t *Tap) ruleInput(name string, now time.Time) *eventbridge.PutRuleInput {
	return &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(t.bus), EventPattern: aws.String(t.pattern),
		Description: aws.String(AlivePrefix + now.UTC().Format(time.RFC3339))}
}

// Beat shows the tap's rule alive at now, so that no other tail takes it
// for one left behind.
func (t *Tap) Beat(ctx context.Context, eb *eventbridge.Client, now time.Time) error {
	_, err := eb.PutRule(ctx, t.ruleInput(t.rule, now))
	return err
}

// Close removes the rule and the queue, even if ctx of the tail was
// cancelled: it has ten seconds of its own.
func (t *Tap) Close(q *sqs.Client, eb *eventbridge.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	if t.rule != "" {
		if err := removeRule(ctx, eb, t.bus, t.rule); err != nil {
			errs = append(errs, fmt.Errorf("remove the tap's rule: %w", err))
		}
	}
	if _, err := q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(t.QueueURL)}); err != nil {
		errs = append(errs, fmt.Errorf("remove the tap's queue %s: %w", t.QueueURL, err))
	}
	return errors.Join(errs...)
}
