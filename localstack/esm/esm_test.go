package esm

import (
	"testing"

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
