package idempotency_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/functions/internal/idempotency"
	"github.com/eventshop/eventshop/functions/internal/idempotency/idempotencytest"
	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/emulator"
)

func TestMemoryKeepsTheContract(t *testing.T) {
	idempotencytest.Run(t, func(*testing.T) idempotency.Store { return idempotency.NewMemory() })
}

func TestDynamoKeepsTheContract(t *testing.T) {
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
	cfg, err := emulator.Config(ctx, e.URL, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg, emulator.DynamoDBOptions)
	table := "idempotency-" + uuid.NewString()[:8]
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	idempotencytest.Run(t, func(*testing.T) idempotency.Store { return idempotency.NewDynamo(db, table) })
}
