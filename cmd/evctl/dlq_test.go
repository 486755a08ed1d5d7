package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

// emulated starts the embedded emulator for one test and returns its URL
// and a configuration that talks to it.
func emulated(t *testing.T) (string, aws.Config) {
	t.Helper()
	return emulatortest.Start(t)
}

// writeOutputs writes a stack's outputs file and returns its path.
func writeOutputs(t *testing.T, outputs map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outputs.json")
	raw, _ := json.Marshal(map[string]map[string]string{"eventshop-test": outputs})
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func str(v string) sqstypes.MessageAttributeValue {
	return sqstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
}

func TestDLQListShowsWhyAndRedriveMovesBack(t *testing.T) {
	url, cfg := emulated(t)
	ctx := context.Background()
	client := sqs.NewFromConfig(cfg)
	queue := func(name string) string {
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QueueUrl)
	}
	notification, notificationDLQ := queue("notification"), queue("notification-dlq")
	customers, customersDLQ := queue("customers"), queue("customers-dlq")
	busDLQURL, relayFailuresURL := queue("bus-dlq"), queue("relay-failures")
	outputs := writeOutputs(t, map[string]string{
		string(contract.OutputEmulatorURL):           url,
		string(contract.QueueOutput("notification")): notification, string(contract.DLQOutput("notification")): notificationDLQ,
		string(contract.QueueOutput("customers")): customers, string(contract.DLQOutput("customers")): customersDLQ,
		string(contract.OutputBusDLQURL): busDLQURL, string(contract.OutputRelayFailuresQueueURL): relayFailuresURL,
	})
	evctl := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"--outputs", outputs}, args...), &out, io.Discard)
		return out.String(), err
	}
	receive := func(url string) []sqstypes.Message {
		t.Helper()
		got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		return got.Messages
	}

	// A consumer's dead letter, with an attribute of its own.
	body := `{"detail-type":"user.registered","detail":{"eventId":"0b7e6f38-2b1d-4c47-9f3e-5d0c2a9f61aa"}}`
	tenant := "acme"
	if err := dlq.Send(ctx, client, notificationDLQ, lambdaevents.SQSMessage{MessageId: "m-1", Body: body,
		Attributes:        map[string]string{"ApproximateReceiveCount": "5"},
		MessageAttributes: map[string]lambdaevents.SQSMessageAttribute{"tenant": {DataType: "String", StringValue: &tenant}},
	}, "failed 5 times, the last: TooManyRequestsException"); err != nil {
		t.Fatal(err)
	}
	// An event EventBridge could not deliver to the customers queue.
	customersARN := "arn:aws:sqs:us-east-1:000000000000:customers"
	if attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(customers),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}}); err == nil {
		customersARN = attrs.Attributes["QueueArn"]
	}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(busDLQURL), MessageBody: aws.String(body),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"RULE_ARN": str("arn:aws:events:us-east-1:000000000000:rule/bus/CustomersOnUserRegistered"), dlq.AttrTargetARN: str(customersARN),
			dlq.AttrErrorCode: str("NO_PERMISSIONS"), dlq.AttrErrorMessage: str("Access denied"), dlq.AttrRetryAttempts: str("0"), "tenant": str(tenant),
		}}); err != nil {
		t.Fatal(err)
	}
	// A stream batch the relay gave up on.
	batch := `{"requestContext":{"condition":"RetryAttemptsExhausted","approximateInvokeCount":11},"responseContext":{"functionError":"Unhandled"},` +
		`"DDBStreamBatchInfo":{"shardId":"shardId-1","startSequenceNumber":"100","endSequenceNumber":"300","approximateArrivalOfFirstRecord":"2025-05-01T09:59:00Z",` +
		`"approximateArrivalOfLastRecord":"2025-05-01T09:59:01Z","batchSize":3,"streamArn":"arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/x"}}`
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(relayFailuresURL), MessageBody: aws.String(batch)}); err != nil {
		t.Fatal(err)
	}

	out, err := evctl("dlq", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"bus: 1 dead-lettered", "1 × EventBridge could not deliver it: NO_PERMISSIONS: Access denied", "customers  ", "customers: 0 dead-lettered",
		"notification: 1 dead-lettered", "1 × failed 5 times, the last: TooManyRequestsException", "m-1", "user.registered",
		"relay: 1 dead-lettered", "Lambda gave up on a stream batch: RetryAttemptsExhausted", "shardId-1", "100…300",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}
	if order := []int{strings.Index(out, "bus:"), strings.Index(out, "customers:"), strings.Index(out, "notification:"), strings.Index(out, "relay:")}; !slices.IsSorted(order) {
		t.Errorf("queues listed out of order:\n%s", out)
	}

	out, err = evctl("--json", "dlq", "list", "Notification")
	var listed []struct {
		Name, Kind string
		Count      int
	}
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 1 || listed[0].Name != "notification" || listed[0].Kind != "consumer" || listed[0].Count != 1 {
		t.Errorf("list of one queue by another spelling of its name: %s, %v", out, err)
	}

	// Each goes back where it came from, with its own attributes and
	// without those of its dead-lettering.
	for name, dest := range map[string]string{"notification": notification, "bus": customers} {
		out, err := evctl("--json", "dlq", "redrive", name)
		var result struct{ Moved int }
		if err != nil || json.Unmarshal([]byte(out), &result) != nil || result.Moved != 1 {
			t.Errorf("redrive %s: %s, %v", name, out, err)
		}
		got := receive(dest)
		if len(got) != 1 || aws.ToString(got[0].Body) != body || aws.ToString(got[0].MessageAttributes["tenant"].StringValue) != tenant {
			t.Errorf("after redriving %s, its destination holds %+v", name, got)
			continue
		}
		for attr := range got[0].MessageAttributes {
			if strings.HasPrefix(attr, "eventshop.dlq.") || attr == dlq.AttrTargetARN || attr == dlq.AttrErrorCode || attr == "RULE_ARN" {
				t.Errorf("redriving %s sent back the annotation %s", name, attr)
			}
		}
	}

	// The relay's failures are not events: a redrive says what to do instead.
	_, err = evctl("dlq", "redrive", "relay")
	if err == nil || !strings.Contains(err.Error(), "not events") || !strings.Contains(err.Error(), "evctl replay") || !strings.Contains(err.Error(), relayFailuresURL) {
		t.Errorf("redrive relay: %v", err)
	}
	if s, _ := dlq.List(ctx, client, relayFailuresURL, 10); len(s.Entries) != 1 {
		t.Errorf("the relay's failures hold %d messages after a refused redrive, want 1", len(s.Entries))
	}

	if _, err := evctl("dlq", "redrive", "nobody"); err == nil || !strings.Contains(err.Error(), "known ones are bus, customers, notification, relay") {
		t.Errorf("an unknown queue: %v", err)
	}
}

func TestDeadLetterQueuesAreFoundInTheOutputs(t *testing.T) {
	s := &stack{name: "test", outputs: map[string]string{
		"OrderHistoryQueueUrl": "q/order-history", "OrderHistoryDLQUrl": "q/order-history-dlq",
		string(contract.OutputBusDLQURL): "q/bus-dlq", string(contract.OutputRelayFailuresQueueURL): "q/relay-failures",
		"LonelyDLQUrl":                "q/lonely-dlq", // no queue to go back to: not a consumer's
		string(contract.OutputAPIURL): "https://api",
	}}
	want := []deadLetterQueue{
		{Name: "bus", Kind: busDLQ, URL: "q/bus-dlq"},
		{Name: "orderHistory", Kind: consumerDLQ, URL: "q/order-history-dlq", Source: "q/order-history"},
		{Name: "relay", Kind: relayFailures, URL: "q/relay-failures"},
	}
	if got := s.deadLetterQueues(); !slices.Equal(got, want) {
		t.Errorf("queues = %+v, want %+v", got, want)
	}
	for _, name := range []string{"order-history", "orderHistory", "OrderHistory", "order_history"} {
		if q, err := s.deadLetterQueue(name); err != nil || q.Name != "orderHistory" {
			t.Errorf("%s: %+v, %v", name, q, err)
		}
	}
}

func TestReasonsWithEqualCountsListInOneOrder(t *testing.T) {
	reasons := map[string]int{"timeout": 2, "throttled": 1, "invalid event": 2, "access denied": 1, "no such table": 3}
	want := []string{"no such table", "invalid event", "timeout", "access denied", "throttled"}
	for range 20 { // map order varies from run to run
		if got := byCount(reasons); !slices.Equal(got, want) {
			t.Fatalf("byCount = %q, want %q", got, want)
		}
	}
}

func TestUsageErrorsAreTold(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"dlq"}, {"dlq", "purge"}, {"dlq", "redrive"}, {"--outputs"}} {
		var u usageError
		if err := run(context.Background(), args, io.Discard, io.Discard); !errors.As(err, &u) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// syncBuffer is a bytes.Buffer that a command writes to while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
