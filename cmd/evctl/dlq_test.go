package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/emulator"
)

func TestDLQListShowsWhyAndRedriveMovesBack(t *testing.T) {
	if os.Getenv("EVENTSHOP_INTEGRATION") == "" {
		t.Skip("set EVENTSHOP_INTEGRATION=1 to run against the embedded emulator")
	}
	ctx := context.Background()
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	e, err := emulator.Start(ctx, emulator.Options{Root: root, Region: "us-east-1", Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	cfg, _ := emulator.Config(ctx, e.URL, "us-east-1")
	client := sqs.NewFromConfig(cfg)
	url := func(name string) string {
		out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QueueUrl)
	}
	queue, dead := url("notification"), url("notification-dlq")
	outputs := filepath.Join(t.TempDir(), "outputs.json")
	raw, _ := json.Marshal(map[string]map[string]string{"eventshop-test": {
		"EmulatorUrl": e.URL, "NotificationQueueUrl": queue, "NotificationDLQUrl": dead,
	}})
	if err := os.WriteFile(outputs, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	body := `{"detail-type":"user.registered","detail":{"eventId":"0b7e6f38-2b1d-4c47-9f3e-5d0c2a9f61aa"}}`
	if err := dlq.Send(ctx, client, dead, lambdaevents.SQSMessage{MessageId: "m-1", Body: body, Attributes: map[string]string{"ApproximateReceiveCount": "5"}},
		"failed 5 times, the last: TooManyRequestsException"); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"--outputs", outputs, "dlq", "list"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"notification: 1 dead-lettered", "1 × failed 5 times, the last: TooManyRequestsException", "m-1", "user.registered"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := run(ctx, []string{"--outputs", outputs, "--json", "dlq", "redrive", "notification"}, &out); err != nil {
		t.Fatal(err)
	}
	var result struct{ Moved int }
	if err := json.Unmarshal(out.Bytes(), &result); err != nil || result.Moved != 1 {
		t.Errorf("redrive: %s", out.String())
	}
	got, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue)})
	if err != nil || len(got.Messages) != 1 || aws.ToString(got.Messages[0].Body) != body {
		t.Errorf("the queue holds %v, %v", got, err)
	}

	if err := run(ctx, []string{"--outputs", outputs, "dlq", "redrive", "nobody"}, &out); err == nil || !strings.Contains(err.Error(), "known consumers are notification") {
		t.Errorf("an unknown consumer: %v", err)
	}
}

func TestUsageErrorsAreTold(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"dlq"}, {"--outputs"}} {
		var u usageError
		if err := run(context.Background(), args, io.Discard); !errors.As(err, &u) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
