package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
)

// faultRules are the fault proxy's rules; see localstack/faults.
type faultRules struct {
	FailRate float64  `json:"failRate"`
	FailFor  []string `json:"failFor,omitempty"`
	Error    string   `json:"error,omitempty"`
}

type faultStats struct {
	Calls    int64 `json:"calls"`
	Injected int64 `json:"injected"`
}

// injectFaults makes the proxy between the functions and SES fail calls
// until the test ends, and returns a function that reads its counts.
func injectFaults(t *testing.T, rules faultRules) func() faultStats {
	t.Helper()
	url := stack.outputs["FaultsUrl"]
	if url == "" {
		t.Skip("the stack under test has no fault proxy")
	}
	put := func(r faultRules) faultStats {
		body, _ := json.Marshal(r)
		req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Stats faultStats }
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
			t.Fatalf("set faults: %s", resp.Status)
		}
		return out.Stats
	}
	before := put(rules)
	t.Cleanup(func() { put(faultRules{}) })
	return func() faultStats {
		resp, err := httpClient.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Stats faultStats }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return faultStats{Calls: out.Stats.Calls - before.Calls, Injected: out.Stats.Injected - before.Injected}
	}
}

func sqsClient() *sqs.Client { return sqs.NewFromConfig(stack.aws) }

// assertOneMailEach waits for one mail to each address and then checks,
// a moment later, that none got a second.
func assertOneMailEach(t *testing.T, addrs []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		for _, a := range addrs {
			if len(mailTo(t, a, subjectHas("Welcome"))) == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d of %d welcome mails are missing", timeout, missing, len(addrs))
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(time.Second)
	for _, a := range addrs {
		if n := len(mailTo(t, a, subjectHas("Welcome"))); n != 1 {
			t.Errorf("%d welcome mails to %s, want 1", n, a)
		}
	}
}

func TestEveryMailGoesOutOnceWhenAThirdOfSESCallsFail(t *testing.T) {
	stats := injectFaults(t, faultRules{FailRate: 0.3})
	start := time.Now()
	var addrs []string
	for i := range 20 {
		email := uniqueEmail("flaky" + string(rune('a'+i)))
		register(t, email, "Flaky Ses")
		addrs = append(addrs, email)
	}
	assertOneMailEach(t, addrs, 60*time.Second)
	s := stats()
	t.Logf("20 welcome mails, each sent once, in %v; SES saw %d calls, %d of them failed on purpose", time.Since(start).Round(time.Millisecond), s.Calls, s.Injected)
	if s.Injected == 0 {
		t.Error("no fault was injected: the test proved nothing")
	}
}

func TestAMailThatKeepsFailingIsDeadLetteredWithItsReasonAndSentOnceAfterRedrive(t *testing.T) {
	email := uniqueEmail("bounce")
	injectFaults(t, faultRules{FailFor: []string{email}})
	u := register(t, email, "Bounce Back")
	dlqURL, queueURL := stack.outputs["NotificationDLQUrl"], stack.outputs["NotificationQueueUrl"]

	var entry dlq.Entry
	deadline := time.Now().Add(90 * time.Second)
	for entry.MessageID == "" {
		s, err := dlq.List(context.Background(), sqsClient(), dlqURL, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range s.Entries {
			if e.EventType == events.TypeUserRegistered && strings.Contains(e.Reason, "TooManyRequestsException") && stillFor(t, e, u.UserID) {
				entry = e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90s the welcome mail to %s is not dead-lettered; the queue holds %+v", email, s.Entries)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if entry.Receives != "5" || !strings.Contains(entry.Reason, "failed 5 times") {
		t.Errorf("dead-lettered after %s receives: %s", entry.Receives, entry.Reason)
	}
	if n := len(mailTo(t, email, nil)); n != 0 {
		t.Fatalf("%d mails reached %s while SES refused them", n, email)
	}

	injectFaults(t, faultRules{}) // the cause is fixed
	moved, err := dlq.Redrive(context.Background(), sqsClient(), dlqURL, queueURL)
	if err != nil || moved < 1 {
		t.Fatalf("redrive moved %d: %v", moved, err)
	}
	assertOneMailEach(t, []string{email}, 20*time.Second)
}

// stillFor says whether a dead-lettered registration is the given user's.
func stillFor(t *testing.T, e dlq.Entry, userID string) bool {
	t.Helper()
	store := eventStore()
	records, err := store.Load(context.Background(), "user-"+userID, 1)
	return err == nil && len(records) > 0 && records[0].Envelope.EventID == e.EventID
}

func TestTheSameEnvelopePublishedTwiceSendsOneMail(t *testing.T) {
	email := uniqueEmail("twice")
	env, err := events.New(events.UserRegistered{UserID: uuid.NewString(), Email: email, Name: "Twice Told"},
		events.Metadata{CorrelationID: "e2e-" + uuid.NewString(), CausationID: "e2e-test"})
	if err != nil {
		t.Fatal(err)
	}
	detail, _ := json.Marshal(env)
	bus := eventbridge.NewFromConfig(stack.aws)
	for range 2 {
		out, err := bus.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			EventBusName: aws.String(stack.outputs["EventBusName"]), Source: aws.String(env.Source),
			DetailType: aws.String(env.EventType), Detail: aws.String(string(detail)),
		}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("publish: %v", err)
		}
	}
	assertOneMailEach(t, []string{email}, 20*time.Second)
}

func TestKillingTheRelayMidBatchLosesNoEventAndDoublesNoMail(t *testing.T) {
	if stack.local == nil {
		t.Skip("needs the stack the tests start themselves")
	}
	relay := stack.local.Hosts["relay"]
	stop := make(chan struct{})
	var killer sync.WaitGroup
	kills := 0
	killer.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(30 * time.Millisecond):
				relay.Kill(kills)
				kills++
			}
		}
	})

	const n = 30
	addrs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		addrs[i] = uniqueEmail("crash")
		wg.Go(func() { register(t, addrs[i], "Crash Test") })
		time.Sleep(10 * time.Millisecond)
	}
	wg.Wait()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	killer.Wait()
	start := time.Now()
	assertOneMailEach(t, addrs, 90*time.Second)
	t.Logf("%d registrations while the relay was killed %d times: every welcome mail sent once, the last %v after the killing stopped",
		n, kills, time.Since(start).Round(time.Millisecond))
}
