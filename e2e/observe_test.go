package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/lambdahost"
)

// quiet is how long a consumer's queue must stay empty before a test
// counts what the consumer did. A redelivery in the queue — a failed
// delivery waiting out its backoff, a duplicate that met another
// delivery's claim — keeps it from being empty; quiet covers what is not
// in it yet: an event on its way through the bus, or published again by a
// relay retrying a batch. It is longer than the local stack's first retry
// backoff (RETRY_BASE_SECONDS=1).
const quiet = 2 * time.Second

func sqsClient() *sqs.Client { return sqs.NewFromConfig(stack.aws) }

// queueDepth is how many messages the queue at url holds: visible, being
// handled or waiting out a delay.
func queueDepth(t testing.TB, url string) int {
	t.Helper()
	out, err := sqsClient().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		},
	})
	if err != nil {
		t.Fatalf("depth of %s: %v", url, err)
	}
	n := 0
	for _, v := range out.Attributes {
		k, _ := strconv.Atoi(v)
		n += k
	}
	return n
}

// waitDrained waits until the queue at url is empty and stays empty for
// quiet, and returns how long that took. It fails the test after timeout.
func waitDrained(t testing.TB, url string, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	var emptySince time.Time
	for {
		if n := queueDepth(t, url); n > 0 {
			emptySince = time.Time{}
			if time.Since(start) > timeout {
				t.Fatalf("after %v the queue %s still holds %d messages", timeout, url, n)
			}
		} else if emptySince.IsZero() {
			emptySince = time.Now()
		} else if time.Since(emptySince) >= quiet {
			return emptySince.Sub(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// notificationQueue is the notification consumer's queue.
func notificationQueue() string { return output(contract.QueueOutput(string(contract.Notification))) }

// localHost returns the host of a function of the stack the tests
// started, by the name of its package; it skips the test on a stack
// started elsewhere.
func localHost(t *testing.T, name string) *lambdahost.Host {
	t.Helper()
	if stack.local == nil {
		t.Skip("needs the stack the tests start themselves")
	}
	h := stack.local.Hosts[name]
	if h == nil {
		t.Fatalf("the stack runs no function %s", name)
	}
	return h
}

// withEnv runs a function with vars added to its environment until the
// test ends, once its queue is drained, so that no delivery is handled
// half under one environment and half under the other.
func withEnv(t *testing.T, h *lambdahost.Host, queueURL string, vars map[string]string) {
	t.Helper()
	waitDrained(t, queueURL, 2*time.Minute)
	if err := h.SetEnv(context.Background(), vars); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		waitDrained(t, queueURL, 2*time.Minute)
		undo := map[string]string{}
		for k := range vars {
			undo[k] = ""
		}
		if err := h.SetEnv(context.Background(), undo); err != nil {
			t.Error(err)
		}
	})
}

// logMark is where the functions' log ends now, to read what they write
// after; -1 if the tests have no log (a stack started elsewhere).
func logMark(t testing.TB) int64 {
	t.Helper()
	if stack.logPath == "" {
		return -1
	}
	fi, err := os.Stat(stack.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

var instanceSuffix = regexp.MustCompile(`#\d+$`)

// logRecords returns the JSON log lines that a function (by the name of its
// package) wrote since mark, each decoded.
func logRecords(t testing.TB, mark int64, function string) []map[string]any {
	t.Helper()
	if mark < 0 {
		t.Fatal("the tests have no log of the functions")
	}
	f, err := os.Open(stack.logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(mark, 0); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		name, line, ok := strings.Cut(sc.Text(), " | ")
		if !ok || instanceSuffix.ReplaceAllString(strings.TrimSpace(name), "") != function || !strings.HasPrefix(line, "{") {
			continue
		}
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}

// metricSum adds up the values of an embedded-format metric that a
// function wrote since mark, on the lines whose dimensions include dims.
func metricSum(t testing.TB, mark int64, function, metric string, dims map[string]string) int {
	t.Helper()
	sum := 0.0
	for _, rec := range logRecords(t, mark, function) {
		if _, emf := rec["_aws"]; !emf {
			continue
		}
		match := true
		for k, v := range dims {
			match = match && rec[k] == v
		}
		if v, ok := rec[metric].(float64); ok && match {
			sum += v
		}
	}
	return int(sum)
}

// apiRequestID finds the id that API Gateway gave the request that a
// function served on route in flow correlation — the id its events carry
// as their causation — in the function's log line for the request.
func apiRequestID(t testing.TB, mark int64, function, route, correlation string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var ids []string
		for _, rec := range logRecords(t, mark, function) {
			if rec["route"] == route && rec["correlation_id"] == correlation {
				id, _ := rec["api_request_id"].(string)
				ids = append(ids, id)
			}
		}
		switch {
		case len(ids) == 1 && ids[0] != "":
			return ids[0]
		case len(ids) > 1:
			t.Fatalf("%s logged %d requests %s in flow %s, want 1", function, len(ids), route, correlation)
		case time.Now().After(deadline):
			t.Fatalf("%s logged no request %s with an api_request_id in flow %s", function, route, correlation)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
