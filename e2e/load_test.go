package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/localstack/emulated"
)

// TestConcurrentRegistrationsEachGetOneUserOneEventAndOneMail registers N
// users, C at a time (EVENTSHOP_LOAD_N, default 100; make loadtest runs
// 1,000; EVENTSHOP_LOAD_CONCURRENCY, default N up to maxConcurrency), and
// checks that the stack ends with N users, N user.registered events and N
// welcome mails, none twice. It logs throughput, the latency from request
// to recorded mail, and how long the queue took to drain.
func TestConcurrentRegistrationsEachGetOneUserOneEventAndOneMail(t *testing.T) {
	n := envInt("EVENTSHOP_LOAD_N", 100)
	c := envInt("EVENTSHOP_LOAD_CONCURRENCY", min(n, maxConcurrency))
	run := fmt.Sprintf("load%d", time.Now().UnixNano()%1_000_000)
	type registration struct {
		email  string
		userID string
		sent   time.Time
	}
	regs := make([]registration, n)
	start := time.Now()
	var wg sync.WaitGroup
	slots := make(chan struct{}, c)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			regs[i].email = fmt.Sprintf("%s-%d@example.com", run, i)
			regs[i].sent = time.Now()
			r := call(t, http.MethodPost, "/users", map[string]string{"email": regs[i].email, "name": "Load Test"})
			if r.status != http.StatusCreated {
				t.Errorf("registration %d: %d %s", i, r.status, r.body)
				return
			}
			regs[i].userID = decode[user](t, r, http.StatusCreated).UserID
		})
	}
	wg.Wait()
	requests := time.Since(start)
	if t.Failed() {
		t.FailNow()
	}

	// Wait for every welcome mail, reading the mailbox as a whole.
	byAddr := map[string][]emulated.Mail{}
	deadline := time.Now().Add(time.Duration(30+n/10) * time.Second)
	for {
		all, err := stack.mailbox.Sent(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		clear(byAddr)
		for _, m := range all {
			for _, to := range m.To {
				byAddr[to] = append(byAddr[to], m)
			}
		}
		missing := 0
		for _, r := range regs {
			if len(byAddr[r.email]) == 0 {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d welcome mails missing after %v", missing, n, time.Since(start))
		}
		time.Sleep(250 * time.Millisecond)
	}
	var latencies []time.Duration
	var last time.Time
	for _, r := range regs {
		latencies = append(latencies, byAddr[r.email][0].SentAt.Sub(r.sent))
		if at := byAddr[r.email][0].SentAt; at.After(last) {
			last = at
		}
	}
	total := last.Sub(start)

	// Once nothing is left to deliver or retry: one mail each, one user
	// and one event each.
	drain := waitDrained(t, notificationQueue(), 2*time.Minute)
	all, err := stack.mailbox.Sent(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range all {
		for _, to := range m.To {
			count[to]++
		}
	}
	store := eventStore()
	ids := map[string]bool{}
	for _, r := range regs {
		if count[r.email] != 1 {
			t.Errorf("%d welcome mails to %s", count[r.email], r.email)
		}
		ids[r.userID] = true
		records, err := store.Load(context.Background(), contract.UserStream.ID(r.userID), 1)
		if err != nil || len(records) != 1 || records[0].Envelope.EventType != events.TypeUserRegistered {
			t.Errorf("user %s has %d events, %v", r.userID, len(records), err)
		}
	}
	if len(ids) != n {
		t.Errorf("%d distinct users for %d registrations", len(ids), n)
	}
	slices.Sort(latencies)
	pct := func(p int) time.Duration {
		return latencies[min(len(latencies)-1, len(latencies)*p/100)].Round(time.Millisecond)
	}
	t.Logf("%d registrations at concurrency %d: requests done in %v (%.0f/s), last mail after %v: %.0f registrations/s end to end; request→mail p50 %v, p95 %v, p99 %v, max %v; queue drained %v after the last mail",
		n, c, requests.Round(time.Millisecond), float64(n)/requests.Seconds(), total.Round(time.Millisecond), float64(n)/total.Seconds(),
		pct(50), pct(95), pct(99), latencies[len(latencies)-1].Round(time.Millisecond), drain.Round(time.Millisecond))
}

// maxConcurrency bounds the default concurrency of the load test: beyond
// it, on a small machine, requests only queue for the functions' few
// instances, and the latency measured is the queue's.
const maxConcurrency = 64

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
