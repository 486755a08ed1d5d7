package eventstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

// cancelingDynamoDB cancels every transaction with the given reasons, as
// DynamoDB does: one reason per item, "None" where the item was fine.
type cancelingDynamoDB struct{ codes []string }

func (c cancelingDynamoDB) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	e := &types.TransactionCanceledException{Message: aws.String("Transaction cancelled")}
	for _, code := range c.codes {
		e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(code)})
	}
	return nil, e
}

func (cancelingDynamoDB) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return &dynamodb.QueryOutput{}, nil
}

func TestAppendWithMapsCancellationReasonsToWhoLostTheRace(t *testing.T) {
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()}, events.Metadata{CorrelationID: "c", CausationID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	state := []types.TransactWriteItem{{Put: &types.Put{}}, {Put: &types.Put{}}}
	tests := []struct {
		name  string
		codes []string // state, state, event
		want  func(error) bool
	}{
		{"a failed condition on a state write", []string{"None", "ConditionalCheckFailed", "None"}, isStateConflict(1)},
		{"a concurrent transaction on a state write", []string{"TransactionConflict", "None", "None"}, isStateConflict(0)},
		{"a failed condition on the event", []string{"None", "None", "ConditionalCheckFailed"}, isConcurrency},
		{"a concurrent transaction on the event", []string{"None", "None", "TransactionConflict"}, isConcurrency},
		{"throttling", []string{"None", "ThrottlingError", "None"}, func(err error) bool { return err != nil && !isConcurrency(err) && !isStateConflict(1)(err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := eventstore.NewDynamo(cancelingDynamoDB{tt.codes}, "events")
			if err := store.AppendWith(context.Background(), "user-1", 0, []events.Envelope{env}, state...); !tt.want(err) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func isConcurrency(err error) bool { return errors.Is(err, eventstore.ErrConcurrency) }

func isStateConflict(index int) func(error) bool {
	return func(err error) bool {
		var sc *eventstore.StateConflictError
		return errors.As(err, &sc) && sc.Index == index
	}
}
