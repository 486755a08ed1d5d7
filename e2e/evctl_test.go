package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/cloudevent"
	"github.com/eventshop/eventshop/keyring"
	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/faults"
)

var evctlBuild struct {
	once sync.Once
	path string
	err  error
}

// evctl runs the operator CLI, built once, against the stack under test.
func evctl(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	evctlBuild.once.Do(func() {
		root, err := checkout.Root()
		if err != nil {
			evctlBuild.err = err
			return
		}
		evctlBuild.path = filepath.Join(root, ".local", "bin", "evctl-e2e")
		out, err := exec.Command("go", "build", "-o", evctlBuild.path, filepath.Join(root, "cmd", "evctl")).CombinedOutput()
		if err != nil {
			evctlBuild.err = fmt.Errorf("build evctl: %v\n%s", err, out)
		}
	})
	if evctlBuild.err != nil {
		t.Fatal(evctlBuild.err)
	}
	cmd := exec.Command(evctlBuild.path, append([]string{"--outputs", stack.outputsFile}, args...)...)
	cmd.Env = os.Environ()
	if os.Getenv("EVENTSHOP_TARGET") == "localstack" {
		cmd.Env = append(cmd.Env, "AWS_ENDPOINT_URL="+stackEndpoint(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1")
	}
	return cmd
}

func stackEndpoint() string {
	if e := os.Getenv("EVENTSHOP_ENDPOINT"); e != "" {
		return e
	}
	return "http://127.0.0.1:4566"
}

func run(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := evctl(t, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("evctl %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// tail starts evctl tail and returns its envelopes as they come, once it
// watches the bus, and a function that interrupts it as Ctrl-C would.
func tail(t *testing.T, args ...string) (<-chan events.Envelope, func()) {
	t.Helper()
	lines, stop := tailLines(t, append([]string{"--json", "tail", "--for", "60s"}, args...)...)
	out := make(chan events.Envelope, 100)
	go func() {
		defer close(out)
		for line := range lines {
			var env events.Envelope
			if json.Unmarshal(line, &env) != nil {
				return
			}
			out <- env
		}
	}()
	return out, stop
}

// tailLines runs evctl with args, a tail, and returns what it prints, a
// JSON value at a time, once it watches the bus.
func tailLines(t *testing.T, args ...string) (<-chan json.RawMessage, func()) {
	t.Helper()
	cmd := evctl(t, args...)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() { once.Do(func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }) }
	t.Cleanup(stop)
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "tailing ") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("evctl tail did not start watching")
	}
	out := make(chan json.RawMessage, 100)
	go func() {
		defer close(out)
		dec := json.NewDecoder(stdout)
		for {
			var v json.RawMessage
			if dec.Decode(&v) != nil {
				return
			}
			out <- v
		}
	}()
	return out, stop
}

func TestEvctlTailPrintsCloudEventsThatTheSDKReads(t *testing.T) {
	lines, stop := tailLines(t, "tail", "--for", "60s", "--cloudevents", "--type", events.TypeUserRegistered)
	defer stop()
	email := uniqueEmail("cloud")
	u := register(t, email, "Cloud Events")
	deadline := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("evctl tail ended")
			}
			var ce event.Event
			if err := json.Unmarshal(line, &ce); err != nil {
				t.Fatalf("the CloudEvents SDK cannot read %s: %v", line, err)
			}
			env, err := cloudevent.ToEnvelope(ce)
			if err != nil {
				t.Fatal(err)
			}
			p, err := events.Decode[events.UserRegistered](env)
			if err != nil || p.UserID != u.UserID {
				continue // another test's registration
			}
			c, err := keyring.Open(context.Background(), stackKeys(), p.Contact)
			if ce.SpecVersion() != "1.0" || ce.Type() != events.TypeUserRegistered || ce.Source() != events.SourceUser || err != nil || c.Email != email {
				t.Errorf("CloudEvent %s", line)
			}
			return
		case <-deadline:
			t.Fatal("evctl tail did not show the registration as a CloudEvent")
		}
	}
}

func next(t *testing.T, envs <-chan events.Envelope, match func(events.Envelope) bool) events.Envelope {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case env, ok := <-envs:
			if !ok {
				t.Fatal("evctl tail ended")
			}
			if match(env) {
				return env
			}
		case <-deadline:
			t.Fatal("evctl tail did not show the event")
		}
	}
}

func TestEvctlTailShowsWhatEvctlPublishesAndOnlyTheTypesAskedFor(t *testing.T) {
	// A user whose registration is over before the tail starts.
	other := register(t, uniqueEmail("untailed"), "Not Tailed")
	waitForMail(t, other.Email, 1, subjectHas("Welcome"))

	seen, stop := tail(t, "--type", events.TypeUserRegistered)
	var shown []events.Envelope
	// An event of another type goes through the bus while the tail
	// watches: its mail says that the bus routed it, to the tail's queue
	// as well if the tail's filter let it through.
	decode[struct{ UserID string }](t, call(t, http.MethodPost, "/users/"+other.UserID+"/password-reset", nil), http.StatusAccepted)
	waitForMail(t, other.Email, 1, subjectHas("Reset your eventshop password"))

	correlation := "e2e-" + uuid.NewString()
	userID, email := uuid.NewString(), uniqueEmail("published")
	out := run(t, "--json", "publish", "--type", events.TypeUserRegistered, "--correlation-id", correlation,
		"--data", fmt.Sprintf(`{"userId":%q,"contact":{"email":%q,"name":"Published By Hand"}}`, userID, email))
	var published events.Envelope
	if err := json.Unmarshal([]byte(out), &published); err != nil {
		t.Fatalf("publish printed %q", out)
	}
	env := next(t, seen, func(e events.Envelope) bool {
		shown = append(shown, e)
		return e.EventID == published.EventID
	})
	if env.Metadata.CorrelationID != correlation || env.Source != events.SourceUser {
		t.Errorf("tail showed %+v", env)
	}
	// It is a real event: the notification service welcomes the user.
	waitForMail(t, email, 1, subjectHas("Welcome"))

	// Interrupted, the tail shows what it still had, and leaves no rule or
	// queue behind.
	stop()
	for e := range seen {
		shown = append(shown, e)
	}
	for _, e := range shown {
		if e.EventType != events.TypeUserRegistered {
			t.Errorf("tail --type %s showed a %s (%s)", events.TypeUserRegistered, e.EventType, e.EventID)
		}
	}
	rules, err := eventbridge.NewFromConfig(stack.aws).ListRules(context.Background(), &eventbridge.ListRulesInput{
		EventBusName: aws.String(output(contract.OutputEventBusName)), NamePrefix: aws.String("evctl-tail-")})
	if err != nil || len(rules.Rules) != 0 {
		t.Errorf("rules left behind: %v, %v", rules, err)
	}
	queues, err := sqsClient().ListQueues(context.Background(), &sqs.ListQueuesInput{QueueNamePrefix: aws.String("evctl-tail-")})
	if err != nil || len(queues.QueueUrls) != 0 {
		t.Errorf("queues left behind: %v, %v", queues.QueueUrls, err)
	}
}

func TestEvctlPublishRefusesAnInvalidEnvelope(t *testing.T) {
	var stderr bytes.Buffer
	cmd := evctl(t, "publish", "--type", events.TypeUserRegistered, "--data", `{"userId":"42","contact":{"email":"nope","name":""}}`)
	cmd.Stderr = &stderr
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(stderr.String(), "invalid event") {
		t.Errorf("exit %v, stderr %q", err, stderr.String())
	}
}

func TestEvctlTraceShowsTheRegistrationsCausalChain(t *testing.T) {
	mark := logMark(t)
	correlation := "e2e-" + uuid.NewString()
	u := register(t, uniqueEmail("traced"), "Traced User", "X-Correlation-Id", correlation)
	waitForMail(t, u.Email, 1, subjectHas("Welcome"))

	var f struct {
		Events int
		Causes []struct {
			CausationID string
			Caused      []struct {
				EventType string
				EventID   string
				Stream    string
				Caused    []struct{ EventType, Stream string }
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.Events < 2 && time.Now().Before(deadline) {
		if err := json.Unmarshal([]byte(run(t, "--json", "trace", correlation)), &f); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if f.Events != 2 || len(f.Causes) != 1 || len(f.Causes[0].Caused) != 1 {
		t.Fatalf("flow = %+v", f)
	}
	if mark >= 0 {
		if id := apiRequestID(t, mark, "user", "POST /users", correlation); f.Causes[0].CausationID != id {
			t.Errorf("the flow starts at %q, want the registration request %q", f.Causes[0].CausationID, id)
		}
	} else if f.Causes[0].CausationID == "" || f.Causes[0].CausationID == correlation {
		t.Errorf("the flow starts at %q, want the registration request's id", f.Causes[0].CausationID)
	}
	registered := f.Causes[0].Caused[0]
	if registered.EventType != events.TypeUserRegistered || registered.Stream != contract.UserStream.ID(u.UserID) {
		t.Errorf("the request caused %+v", registered)
	}
	if len(registered.Caused) != 1 || registered.Caused[0].EventType != events.TypeNotificationSent {
		t.Errorf("user.registered caused %+v, want notification.sent", registered.Caused)
	}
	human := run(t, "trace", correlation)
	if !strings.Contains(human, "└─ user.registered") || !strings.Contains(human, "   └─ notification.sent") {
		t.Errorf("trace printed:\n%s", human)
	}
}

func TestEvctlReplayRedeliversAStreamMarkedAsAReplay(t *testing.T) {
	u := customer(t, "Replayed")
	o := confirmedOrder(t, u.UserID)
	decode[order](t, call(t, http.MethodPost, "/orders/"+o.OrderID+"/cancel", nil), http.StatusOK)
	waitForMail(t, u.Email, 1, subjectHas("is cancelled"))

	history := run(t, "history", contract.OrderStream.ID(o.OrderID))
	if !strings.Contains(history, "1  ") || !strings.Contains(history, events.TypeOrderPlaced) || !strings.Contains(history, events.TypeOrderCancelled) {
		t.Errorf("history printed:\n%s", history)
	}

	seen, _ := tail(t) // a consumer that came later
	run(t, "replay", "--from", "5", contract.OrderStream.ID(o.OrderID))
	env := next(t, seen, func(e events.Envelope) bool {
		return e.EventType == events.TypeOrderCancelled && strings.Contains(string(e.Data), o.OrderID)
	})
	if !env.Metadata.Replay {
		t.Errorf("the replayed event is not marked: %+v", env.Metadata)
	}
	// The consumers that handled it once skip it now: once the replayed
	// event, routed to the notification queue as to the tail's, is
	// handled, there is still one cancellation mail.
	assertMailsOnceDrained(t, u.Email, subjectHas("is cancelled"), 1)
}

// A mail to an address that SES rejects can never go out: the consumer
// dead-letters it at once, with the reason, rather than burn its retries.
// evctl dlq list shows it; once the cause is gone, evctl dlq redrive sends
// it back and the mail goes out once.
func TestEvctlListsADeadLetteredMailWithItsReasonAndRedrivesIt(t *testing.T) {
	email := uniqueEmail("rejected")
	injectFaults(t, faults.Rules{FailFor: []string{email}, Error: "reject"})
	u := register(t, email, "Rejected Once")
	records, err := eventStore().Load(context.Background(), contract.UserStream.ID(u.UserID), 1)
	if err != nil || len(records) != 1 {
		t.Fatalf("user-%s: %d events, %v", u.UserID, len(records), err)
	}
	eventID := records[0].Envelope.EventID

	var entry *dlq.Entry
	deadline := time.Now().Add(30 * time.Second)
	for entry == nil {
		var queues []struct{ Entries []dlq.Entry }
		if err := json.Unmarshal([]byte(run(t, "--json", "dlq", "list", "notification")), &queues); err != nil || len(queues) != 1 {
			t.Fatalf("dlq list printed %d queues: %v", len(queues), err)
		}
		for _, e := range queues[0].Entries {
			if e.EventID == eventID {
				entry = &e
			}
		}
		if entry == nil && time.Now().After(deadline) {
			t.Fatalf("after 30s evctl dlq list does not show event %s", eventID)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if entry.EventType != events.TypeUserRegistered || !strings.Contains(entry.Reason, "MessageRejected") || entry.Receives != "1" {
		t.Errorf("dead-lettered %s after %s receives: %s", entry.EventType, entry.Receives, entry.Reason)
	}
	if human := run(t, "dlq", "list", "notification"); !strings.Contains(human, eventID) || !strings.Contains(human, "MessageRejected") {
		t.Errorf("dlq list printed:\n%s", human)
	}
	if n := len(mailTo(t, email, nil)); n != 0 {
		t.Fatalf("%d mails reached %s while SES rejected them", n, email)
	}

	injectFaults(t, faults.Rules{}) // the cause is gone
	var redriven struct{ Moved int }
	if err := json.Unmarshal([]byte(run(t, "--json", "dlq", "redrive", "notification")), &redriven); err != nil || redriven.Moved < 1 {
		t.Fatalf("dlq redrive moved %d: %v", redriven.Moved, err)
	}
	waitForMail(t, email, 1, subjectHas("Welcome"))
	assertMailsOnceDrained(t, email, nil, 1)
	if human := run(t, "dlq", "list", "notification"); strings.Contains(human, eventID) {
		t.Errorf("the redriven event is still listed:\n%s", human)
	}
}
