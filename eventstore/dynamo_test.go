package eventstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/eventstore/eventstoretest"
	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/emulator"
)

// TestDynamoKeepsTheContract runs the contract against DynamoDB as the
// embedded emulator serves it. It starts its own emulator, so it runs only
// in the integration run (EVENTSHOP_INTEGRATION=1, as make test sets).
func TestDynamoKeepsTheContract(t *testing.T) {
	if os.Getenv("EVENTSHOP_INTEGRATION") == "" {
		t.Skip("set EVENTSHOP_INTEGRATION=1 to run against the embedded emulator")
	}
	ctx := context.Background()
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start(ctx, emulator.Options{Root: root, Region: "us-east-1", Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Stop)
	cfg, err := emulator.Config(ctx, emu.URL, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(cfg, emulator.DynamoDBOptions)

	eventstoretest.Run(t, func(t *testing.T) eventstoretest.Store {
		table := "events-" + uuid.NewString()[:8]
		createTable(t, db, table)
		// A small page size makes every multi-event read cross pages.
		return eventstore.NewDynamo(db, table).WithPageSize(7)
	})
}

// createTable creates a table shaped as infra/ declares the event store.
func createTable(t *testing.T, db *dynamodb.Client, name string) {
	t.Helper()
	s := func(v string) *string { return aws.String(v) }
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   s(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: s("streamId"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s("version"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: s("correlationId"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s("timestamp"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: s("streamId"), KeyType: types.KeyTypeHash},
			{AttributeName: s("version"), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: s(eventstore.CorrelationIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: s("correlationId"), KeyType: types.KeyTypeHash},
				{AttributeName: s("timestamp"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
}
