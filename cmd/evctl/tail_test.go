package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventbus"
	"github.com/eventshop/eventshop/eventbus/tap"
	"github.com/eventshop/eventshop/events"
)

func TestTailPrintsEventsOnlyCleansUpAndSweepsWhatKilledTailsLeft(t *testing.T) {
	url, cfg := emulated(t)
	ctx := context.Background()
	q, eb := sqs.NewFromConfig(cfg), eventbridge.NewFromConfig(cfg)
	const bus, otherBus = "eventshop-test", "another-stack"
	for _, b := range []string{bus, otherBus} {
		if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	outputs := writeOutputs(t, map[string]string{string(contract.OutputEmulatorURL): url, string(contract.OutputEventBusName): bus})

	// What tails left behind, or left running, before this one starts.
	hourAgo := time.Now().Add(-time.Hour)
	leave := func(bus, name string, alive time.Time, withRule bool) {
		t.Helper()
		created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		if !withRule {
			return
		}
		rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(bus),
			EventPattern: aws.String(`{"source":[{"prefix":"eventshop."}]}`), Description: aws.String(tap.AlivePrefix + alive.UTC().Format(time.RFC3339))})
		if err != nil {
			t.Fatal(err)
		}
		policy := `{"Statement":[{"Condition":{"ArnEquals":{"aws:SourceArn":"` + aws.ToString(rule.RuleArn) + `"}}}]}`
		if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: created.QueueUrl, Attributes: map[string]string{"Policy": policy}}); err != nil {
			t.Fatal(err)
		}
		if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(bus),
			Targets: []ebtypes.Target{{Id: aws.String("tap"), Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:" + name)}}}); err != nil {
			t.Fatal(err)
		}
	}
	killed, orphan := tap.Name(hourAgo), tap.Name(hourAgo)       // gone
	running, otherStacks := tap.Name(hourAgo), tap.Name(hourAgo) // stay
	leave(bus, killed, hourAgo, true)                            // a tail killed an hour ago
	leave(bus, orphan, hourAgo, false)                           // one killed before it made its rule
	leave(bus, running, time.Now().Add(-time.Minute), true)      // a tail running for an hour, alive a minute ago
	leave(otherBus, otherStacks, hourAgo, true)                  // another bus's, not for this tail to judge
	leave(bus, "evctl-tail-notes", hourAgo, false)               // not a tap's name

	var stdout bytes.Buffer
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--outputs", outputs, "--json", "tail", "--for", "30s", "--count", "1"}, &stdout, stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "tailing ") {
		if time.Now().After(deadline) {
			t.Fatalf("the tail did not start:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"removed rule " + killed, "removed queue " + killed, "removed queue " + orphan} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	tapQueues := func() []string {
		t.Helper()
		out, err := q.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(tap.Prefix)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range out.QueueUrls {
			names = append(names, u[strings.LastIndex(u, "/")+1:])
		}
		return names
	}
	var mine string
	for _, name := range tapQueues() {
		switch name {
		case killed, orphan:
			t.Errorf("the sweep left %s", name)
		case running, otherStacks, "evctl-tail-notes":
		default:
			mine = name
		}
	}
	if mine == "" {
		t.Fatal("the tail has no queue")
	}

	// Something that is not an event reaches the tap, then an event.
	tapQueue, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(mine)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: tapQueue.QueueUrl, MessageBody: aws.String("not an event")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the tail reads it first
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()}, events.Metadata{CorrelationID: "flow-1", CausationID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := eventbus.New(eb, bus).Publish(ctx, []events.Envelope{env}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the tail did not end")
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var shown events.Envelope
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &shown) != nil || shown.EventID != env.EventID {
		t.Errorf("stdout = %q, want the one event as JSON", stdout.String())
	}
	if !strings.Contains(stderr.String(), "unreadable message") || !strings.Contains(stderr.String(), "not an event") {
		t.Errorf("stderr lacks the unreadable message:\n%s", stderr.String())
	}

	rules, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(bus), NamePrefix: aws.String(tap.Prefix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Rules) != 1 || aws.ToString(rules.Rules[0].Name) != running {
		t.Errorf("%d rules left on the bus, want only the running tail's", len(rules.Rules))
	}
	left := tapQueues()
	for _, want := range []string{running, otherStacks, "evctl-tail-notes"} {
		if !strings.Contains(strings.Join(left, " "), want) {
			t.Errorf("queue %s is gone; left: %v", want, left)
		}
	}
	if strings.Contains(strings.Join(left, " "), mine) {
		t.Errorf("the tail left its queue %s", mine)
	}
}

func TestATapShowsItIsAliveUntilItIsClosed(t *testing.T) {
	_, cfg := emulated(t)
	ctx := context.Background()
	q, eb := sqs.NewFromConfig(cfg), eventbridge.NewFromConfig(cfg)
	const bus = "eventshop-test"
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
		t.Fatal(err)
	}
	alive := func() (time.Time, bool) {
		t.Helper()
		rules, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(bus), NamePrefix: aws.String(tap.Prefix)})
		if err != nil {
			t.Fatal(err)
		}
		if len(rules.Rules) == 0 {
			return time.Time{}, false
		}
		return tap.LastAlive(time.Time{}, aws.ToString(rules.Rules[0].Description)), true
	}

	tp, err := tap.Open(ctx, q, eb, bus, tap.Name(time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	opened, _ := alive()
	time.Sleep(1500 * time.Millisecond) // the description counts seconds
	if err := tp.Beat(ctx, eb, time.Now()); err != nil {
		t.Fatal(err)
	}
	if beat, _ := alive(); !beat.After(opened) {
		t.Errorf("alive at %v after beating, opened at %v", beat, opened)
	}
	_ = tp.Close(q, eb)
	time.Sleep(300 * time.Millisecond) // a late beat would bring the rule back
	if _, ok := alive(); ok {
		t.Error("the rule is back after the tap closed")
	}
}

func TestATailEndedBySIGTERMCleansUp(t *testing.T) {
	url, cfg := emulated(t)
	ctx := context.Background()
	q, eb := sqs.NewFromConfig(cfg), eventbridge.NewFromConfig(cfg)
	const bus = "eventshop-test"
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
		t.Fatal(err)
	}
	outputs := writeOutputs(t, map[string]string{string(contract.OutputEmulatorURL): url, string(contract.OutputEventBusName): bus})
	bin := filepath.Join(t.TempDir(), "evctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build evctl: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--outputs", outputs, "tail")
	cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL=") // the outputs' emulator, whatever the environment says
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "tailing ") {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the tail did not start:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the tail ended with %v:\n%s", err, stderr.String())
	}
	rules, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String(bus), NamePrefix: aws.String(tap.Prefix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Rules) != 0 {
		t.Errorf("%d rules left behind", len(rules.Rules))
	}
	queues, err := q.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String(tap.Prefix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(queues.QueueUrls) != 0 {
		t.Errorf("queues left behind: %v", queues.QueueUrls)
	}
}
