package esm

import (
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestFailedMessagesReadsAPartialBatchResponseAsLambdaDoes(t *testing.T) {
	msgs := []sqstypes.Message{{MessageId: aws.String("a")}, {MessageId: aws.String("b")}}
	tests := []struct {
		name   string
		resp   string
		failed []string
		ok     bool
	}{
		{"no response", ``, nil, true},
		{"null", `null`, nil, true},
		{"an empty list", `{"batchItemFailures":[]}`, nil, true},
		{"one failure", `{"batchItemFailures":[{"itemIdentifier":"b"}]}`, []string{"b"}, true},
		{"an unknown id fails the batch", `{"batchItemFailures":[{"itemIdentifier":"zzz"}]}`, nil, false},
		{"an empty id fails the batch", `{"batchItemFailures":[{"itemIdentifier":""}]}`, nil, false},
		{"not JSON fails the batch", `oops`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, ok := failedMessages([]byte(tt.resp), msgs)
			if ok != tt.ok || len(failed) != len(tt.failed) {
				t.Fatalf("got %v %v, want %v %v", failed, ok, tt.failed, tt.ok)
			}
			for _, id := range tt.failed {
				if !failed[id] {
					t.Errorf("%s not reported", id)
				}
			}
		})
	}
}

func TestFirstFailedFindsWhereAStreamBatchMustResume(t *testing.T) {
	batch := []lambdaevents.DynamoDBEventRecord{
		{Change: lambdaevents.DynamoDBStreamRecord{SequenceNumber: "100"}},
		{Change: lambdaevents.DynamoDBStreamRecord{SequenceNumber: "200"}},
		{Change: lambdaevents.DynamoDBStreamRecord{SequenceNumber: "300"}},
	}
	tests := []struct {
		resp string
		from int
		ok   bool
	}{
		{`{"batchItemFailures":[]}`, -1, true},
		{`{"batchItemFailures":[{"itemIdentifier":"300"},{"itemIdentifier":"200"}]}`, 1, true},
		{`{"batchItemFailures":[{"itemIdentifier":"999"}]}`, 0, false},
		{`{"batchItemFailures":[{"itemIdentifier":""}]}`, 0, false},
	}
	for _, tt := range tests {
		from, ok := firstFailed([]byte(tt.resp), batch)
		if from != tt.from || ok != tt.ok {
			t.Errorf("firstFailed(%s) = %d %v, want %d %v", tt.resp, from, ok, tt.from, tt.ok)
		}
	}
}

func TestSequenceNumbersCompareAsNumbers(t *testing.T) {
	tests := []struct {
		a, b  string
		after bool
	}{
		{"000000000000000000002", "000000000000000000001", true},
		{"10", "9", true},
		{"9", "10", false},
		{"5", "5", false},
	}
	for _, tt := range tests {
		if got := sequenceAfter(tt.a, tt.b); got != tt.after {
			t.Errorf("sequenceAfter(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

func TestALeaseCoversTheBatchingWindowAndTheFunctionsTimeoutWithinTheQueuesVisibility(t *testing.T) {
	tests := []struct {
		name                        string
		visibility, window, timeout time.Duration
		want                        time.Duration
	}{
		{"the timeout and the margin", time.Minute, 0, 10 * time.Second, 15 * time.Second},
		{"the batching window too", time.Minute, 20 * time.Second, 10 * time.Second, 35 * time.Second},
		{"rounded up to a second", time.Minute, 500 * time.Millisecond, 3 * time.Second, 9 * time.Second},
		{"no longer than the queue's visibility timeout", 12 * time.Second, 0, 10 * time.Second, 12 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lease(tt.visibility, tt.window, tt.timeout); got != tt.want {
				t.Errorf("lease(%v, %v, %v) = %v, want %v", tt.visibility, tt.window, tt.timeout, got, tt.want)
			}
		})
	}
}
