package idempotency_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/idempotency/idempotencytest"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

func TestMemoryKeepsTheContract(t *testing.T) {
	idempotencytest.Run(t, func(*testing.T) idempotency.Store { return idempotency.NewMemory() })
}

func TestMemoryForgetsADoneKeyAfterItsKeep(t *testing.T) {
	ctx, s := context.Background(), idempotency.NewMemory()
	for _, key := range []string{"short", "long"} {
		if _, err := s.Begin(ctx, key, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Complete(ctx, "short", "msg-1", 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Complete(ctx, "long", "msg-2", time.Hour); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Begin(ctx, "short", time.Minute); c.State != idempotency.Done || c.Result != "msg-1" {
		t.Fatalf("within its keep, claim = %+v", c)
	}
	time.Sleep(50 * time.Millisecond)
	if c, _ := s.Begin(ctx, "short", time.Minute); c.State != idempotency.Claimed {
		t.Errorf("after its keep, claim = %+v, want the key claimed afresh", c)
	}
	if c, _ := s.Begin(ctx, "long", time.Minute); c.State != idempotency.Done || c.Result != "msg-2" {
		t.Errorf("within its keep, claim = %+v", c)
	}
}

func TestDynamo(t *testing.T) {
	db, table := dynamoTable(t)
	t.Run("keeps the contract", func(t *testing.T) {
		idempotencytest.Run(t, func(*testing.T) idempotency.Store { return idempotency.NewDynamo(db, table) })
	})
	t.Run("writes a done key's result, and its time to live a keep from now", func(t *testing.T) {
		ctx, key, keep := context.Background(), uuid.NewString(), 7*24*time.Hour
		s := idempotency.NewDynamo(db, table)
		if _, err := s.Begin(ctx, key, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, key, "010001-ses-message-id", keep); err != nil {
			t.Fatal(err)
		}
		want := time.Now().Add(keep)
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{contract.IdempotencyKey: &types.AttributeValueMemberS{Value: key}}})
		if err != nil {
			t.Fatal(err)
		}
		var it struct {
			Status     string `dynamodbav:"status"`
			Result     string `dynamodbav:"result"`
			ExpiresAt  int64
			LeaseUntil *int64 `dynamodbav:"leaseUntil"`
		}
		if err := errors.Join(attributevalue.UnmarshalMap(out.Item, &it),
			attributevalue.Unmarshal(out.Item[contract.IdempotencyExpiry], &it.ExpiresAt)); err != nil {
			t.Fatal(err)
		}
		if it.Status != "COMPLETED" || it.Result != "010001-ses-message-id" || it.LeaseUntil != nil {
			t.Errorf("item = %+v", it)
		}
		// Not the claim's expiry (lease + 1 h): the keep, in epoch seconds.
		if d := time.Unix(it.ExpiresAt, 0).Sub(want); d < -time.Minute || d > time.Minute {
			t.Errorf("%s = %v, want about now + %v (%v)", contract.IdempotencyExpiry, time.Unix(it.ExpiresAt, 0), keep, want)
		}
	})
}

// dynamoTable starts the embedded emulator and creates an idempotency
// table in it, as the stack does.
func dynamoTable(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	ctx := context.Background()
	_, cfg := emulatortest.Start(t)
	db := awsclient.DynamoDB(cfg)
	table := "idempotency-" + uuid.NewString()[:8]
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(contract.IdempotencyKey), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(contract.IdempotencyKey), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, table
}
