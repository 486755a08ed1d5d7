package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/localstack/emulated"
	"github.com/eventshop/eventshop/localstack/faults"
	"github.com/eventshop/eventshop/localstack/lambdahost"
)

// injectFaults makes the proxy between the functions and SES fail calls
// until the test ends, and returns a function that reads its counts.
func injectFaults(t *testing.T, rules faults.Rules) func() faults.Stats {
	t.Helper()
	url := output(contract.OutputFaultsURL)
	if url == "" {
		t.Skip("the stack under test has no fault proxy")
	}
	// do asks the proxy, setting rules if there are any, and returns its
	// counts.
	do := func(rules *faults.Rules) faults.Stats {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if rules != nil {
			body, _ := json.Marshal(rules)
			req, _ = http.NewRequest(http.MethodPut, url, bytes.NewReader(body))
		}
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Stats faults.Stats }
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
			t.Fatalf("%s faults: %s", req.Method, resp.Status)
		}
		return out.Stats
	}
	before := do(&rules)
	t.Cleanup(func() { do(&faults.Rules{}) })
	return func() faults.Stats {
		out := struct{ Stats faults.Stats }{do(nil)}
		return faults.Stats{Calls: out.Stats.Calls - before.Calls, Injected: out.Stats.Injected - before.Injected, Lost: out.Stats.Lost - before.Lost,
			Published: out.Stats.Published - before.Published}
	}
}

// assertOneMailEach waits for a welcome mail to each address, then for the
// notification queue to drain — no delivery left to retry, no duplicate
// left to meet its claim — and only then checks that each address got
// exactly one mail. It returns how long the queue took to drain after the
// last first mail.
func assertOneMailEach(t *testing.T, addrs []string, timeout time.Duration) time.Duration {
	t.Helper()
	waitFirstMailEach(t, addrs, timeout)
	drain := waitDrained(t, notificationQueue(), timeout)
	mails := mailCounts(t)
	for _, a := range addrs {
		if n := mails[a]; n != 1 {
			t.Errorf("%d mails to %s, want 1", n, a)
		}
	}
	return drain
}

// waitFirstMailEach waits until each address has a welcome mail.
func waitFirstMailEach(t *testing.T, addrs []string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		welcomes := mailCounts(t, subjectHas("Welcome"))
		var missing []string
		for _, a := range addrs {
			if welcomes[a] == 0 {
				missing = append(missing, a)
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d of %d welcome mails are missing (no event reached the mail service for them), the first to %s", timeout, len(missing), len(addrs), missing[0])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// mailCounts reads the mailbox once and counts the mails to each address
// that every match accepts.
func mailCounts(t *testing.T, match ...func(emulated.Mail) bool) map[string]int {
	t.Helper()
	all, err := stack.mailbox.Sent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, m := range all {
		if !slices.ContainsFunc(match, func(ok func(emulated.Mail) bool) bool { return !ok(m) }) {
			for _, to := range m.To {
				counts[to]++
			}
		}
	}
	return counts
}

// registerAll registers a user for each of n new addresses, a few at a
// time, and returns the addresses.
func registerAll(t *testing.T, n int, name string) []string {
	t.Helper()
	addrs := make([]string, n)
	var wg sync.WaitGroup
	slots := make(chan struct{}, 4)
	for i := range addrs {
		addrs[i] = uniqueEmail(name)
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			register(t, addrs[i], "Fault Tolerant")
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow() // a registration failed: no mail will come for it
	}
	return addrs
}

// waitForMetric waits until the function has written at least want of a
// metric since mark, and returns what it wrote: its lines reach the log a
// moment after the effects they count.
func waitForMetric(t *testing.T, mark int64, function, metric string, dims map[string]string, want int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := metricSum(t, mark, function, metric, dims)
		if got >= want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var welcomeDims = map[string]string{"Consumer": "notification", "EventType": events.TypeUserRegistered}

// The SDK would retry a failed SES call itself, up to three attempts, and
// hide nearly every fault from the consumer. With AWS_MAX_ATTEMPTS=1 every
// injected fault reaches the consumer, which must retry the message with
// backoff. No address meets more than three faults, so no message runs
// out of its five receives: every mail must go out, and once.
func TestEveryMailGoesOutOnceWhenAThirdOfSESCallsFail(t *testing.T) {
	notification := localHost(t, "notification")
	withEnv(t, notification, notificationQueue(), map[string]string{"AWS_MAX_ATTEMPTS": "1"})
	mark := logMark(t)
	stats := injectFaults(t, faults.Rules{FailRate: 0.3, MaxPerRecipient: 3})
	const n = 30
	start := time.Now()
	addrs := registerAll(t, n, "flaky")
	drain := assertOneMailEach(t, addrs, 2*time.Minute)
	s := stats()
	retried := waitForMetric(t, mark, "notification", "EventsRetried", welcomeDims, int(s.Injected))
	t.Logf("%d welcome mails, each sent once, in %v (queue drained %v after the last first mail); SES saw %d calls, %d failed on purpose; the consumer retried %d deliveries",
		n, time.Since(start).Round(time.Millisecond), drain.Round(time.Millisecond), s.Calls, s.Injected, retried)
	if s.Injected == 0 {
		t.Error("no fault was injected: the test proved nothing")
	}
	if s.Calls != n+s.Injected {
		t.Errorf("SES saw %d calls for %d mails and %d faults: a mail was sent twice, or mail other than this test's went out meanwhile", s.Calls, n, s.Injected)
	}
	if retried < int(s.Injected) {
		t.Errorf("the consumer retried %d deliveries for %d failed SES calls: some failure never reached it (did the SDK retry it?)", retried, s.Injected)
	}
}

// SES v2 takes no idempotency key. When its answer is lost after it
// accepted a mail, the sender cannot tell a sent mail from an unsent one,
// and its retry sends the mail again: at the mail service's edge delivery
// is at least once, whatever the consumer does. This measures that edge
// rather than pretend it away: no mail is lost, and every duplicate is
// explained by a lost answer — none comes from anywhere else.
func TestALostSESAnswerIsTheOnlyWayToAMailSentTwice(t *testing.T) {
	notification := localHost(t, "notification")
	withEnv(t, notification, notificationQueue(), map[string]string{"AWS_MAX_ATTEMPTS": "1"})
	stats := injectFaults(t, faults.Rules{LoseRate: 0.3, MaxPerRecipient: 2})
	const n = 30
	addrs := registerAll(t, n, "lost")
	waitFirstMailEach(t, addrs, time.Minute)
	waitDrained(t, notificationQueue(), time.Minute)
	s := stats()
	mails, twice := 0, 0
	counts := mailCounts(t)
	for _, a := range addrs {
		k := counts[a]
		mails += k
		if k > 1 {
			twice++
		}
	}
	duplicates := mails - n
	t.Logf("%d registrations, %d SES calls, %d answers lost after SES accepted the mail: %d mails, %d of them duplicates (%d addresses got more than one)",
		n, s.Calls, s.Lost, mails, duplicates, twice)
	if s.Lost == 0 {
		t.Error("no answer was lost: the test proved nothing")
	}
	if duplicates > int(s.Lost) {
		t.Errorf("%d duplicate mails for %d lost answers: something else sends twice", duplicates, s.Lost)
	}
}

func TestAMailThatKeepsFailingIsDeadLetteredWithItsReasonAndSentOnceAfterRedrive(t *testing.T) {
	email := uniqueEmail("bounce")
	injectFaults(t, faults.Rules{FailFor: []string{email}})
	u := register(t, email, "Bounce Back")
	dlqURL, queueURL := output(contract.DLQOutput(string(contract.Notification))), output(contract.QueueOutput(string(contract.Notification)))

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

	injectFaults(t, faults.Rules{}) // the cause is fixed
	moved, err := dlq.Redrive(context.Background(), sqsClient(), dlqURL, queueURL)
	if err != nil || moved < 1 {
		t.Fatalf("redrive moved %d: %v", moved, err)
	}
	assertOneMailEach(t, []string{email}, 30*time.Second)
}

// stillFor says whether a dead-lettered registration is the given user's.
func stillFor(t *testing.T, e dlq.Entry, userID string) bool {
	t.Helper()
	store := eventStore()
	records, err := store.Load(context.Background(), contract.UserStream.ID(userID), 1)
	return err == nil && len(records) > 0 && records[0].Envelope.EventID == e.EventID
}

func TestTheSameEnvelopePublishedTwiceSendsOneMail(t *testing.T) {
	mark := logMark(t)
	email := uniqueEmail("twice")
	person := sealedContact(t, events.Contact{Email: email, Name: "Twice Told"})
	env, err := events.New(events.UserRegistered{UserID: person.UserID, Contact: person.Contact},
		events.Metadata{CorrelationID: "e2e-" + uuid.NewString(), CausationID: "e2e-test"})
	if err != nil {
		t.Fatal(err)
	}
	detail, _ := json.Marshal(env)
	bus := eventbridge.NewFromConfig(stack.aws)
	for range 2 {
		out, err := bus.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			EventBusName: aws.String(output(contract.OutputEventBusName)), Source: aws.String(env.Source),
			DetailType: aws.String(env.EventType), Detail: aws.String(string(detail)),
		}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("publish: %v", err)
		}
	}
	assertOneMailEach(t, []string{email}, 30*time.Second)
	if mark >= 0 {
		// The second copy did reach the consumer, which knew it.
		if n := waitForMetric(t, mark, "notification", "EventsDuplicated", welcomeDims, 1); n < 1 {
			t.Error("the consumer saw no duplicate: the second copy never reached it, and one mail proves nothing")
		}
	}
}

// The relay publishes what the event store's stream reports. It is killed
// for certain as it takes a batch (nothing of it published yet), for
// certain as it answers one (all of it published, the answer lost, so the
// batch is published again), and at random moments while it is busy.
// Each kill costs the batch one of its ten retries: there are fewer kills
// than that, so nothing may be lost, and no mail may go out twice.
func TestKillingTheRelayMidBatchLosesNoEventAndDoublesNoMail(t *testing.T) {
	relay := localHost(t, "relay")
	mark := logMark(t)
	starts, interrupted := relay.Starts(), relay.Interrupted()
	failures := output(contract.OutputRelayFailuresQueueURL)
	givenUp := queueDepth(t, failures)
	relay.CrashNext(2, lambdahost.OnReceive)
	relay.CrashNext(2, lambdahost.OnAnswer)
	t.Cleanup(func() {
		relay.CrashNext(0, lambdahost.OnReceive)
		relay.CrashNext(0, lambdahost.OnAnswer)
	})

	stop := make(chan struct{})
	var killer sync.WaitGroup
	randomKills := 0
	killer.Go(func() {
		for randomKills < 3 {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if relay.KillBusy() {
					randomKills++
				}
			}
		}
	})

	const n = 30
	addrs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		addrs[i] = uniqueEmail("crash")
		wg.Go(func() { register(t, addrs[i], "Crash Test") })
		time.Sleep(10 * time.Millisecond) // spread over several of the relay's batches
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	start := time.Now()
	waitFirstMailEach(t, addrs, 2*time.Minute)
	allMail := time.Since(start)
	close(stop)
	killer.Wait()
	drain := assertOneMailEach(t, addrs, time.Minute)

	cut := relay.Interrupted() - interrupted
	if cut < 4 {
		t.Errorf("%d relay invocations were interrupted, want at least the 4 crashes armed", cut)
	}
	restartDeadline := time.Now().Add(30 * time.Second)
	for relay.Starts()-starts < cut && time.Now().Before(restartDeadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := relay.Starts() - starts; got < cut {
		t.Errorf("the relay was started %d times after %d interrupted invocations", got, cut)
	}
	if n := queueDepth(t, failures) - givenUp; n != 0 {
		t.Errorf("the relay gave up on %d batches", n)
	}
	dups := -1
	if mark >= 0 {
		dups = metricSum(t, mark, "notification", "EventsDuplicated", welcomeDims)
	}
	t.Logf("%d registrations; %d relay invocations interrupted (4 armed crashes, %d random kills while busy), %d relay starts; every welcome mail arrived, the last %v after the last registration; queue drained %v later; the notification consumer absorbed %d duplicate deliveries",
		n, cut, randomKills, relay.Starts()-starts, allMail.Round(time.Millisecond), drain.Round(time.Millisecond), dups)
}
