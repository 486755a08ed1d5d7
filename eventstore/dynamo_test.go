package eventstore_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/eventstore/eventstoretest"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

// TestDynamoKeepsTheContract runs the contract against DynamoDB as the
// embedded emulator serves it. It starts its own emulator, so it runs only
// in the integration run (EVENTSHOP_INTEGRATION=1, as make test sets).
func TestDynamoKeepsTheContract(t *testing.T) {
	_, cfg := emulatortest.Start(t)
	db := awsclient.DynamoDB(cfg)

	eventstoretest.Run(t, func(t *testing.T) eventstoretest.Store {
		table := "events-" + uuid.NewString()[:8]
		createTable(t, db, table)
		// A small page size makes every multi-event read cross pages.
		return eventstore.NewDynamo(db, table).WithPageSize(7)
	})
}

// createTable creates a table shaped as the stack declares the event store.
func createTable(t *testing.T, db *dynamodb.Client, name string) {
	t.Helper()
	s := func(v string) *string { return aws.String(v) }
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   s(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: s(contract.EventStreamID), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s(contract.EventVersion), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: s(contract.EventCorrelationID), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: s(contract.EventTimestamp), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: s(contract.EventStreamID), KeyType: types.KeyTypeHash},
			{AttributeName: s(contract.EventVersion), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: s(eventstore.CorrelationIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: s(contract.EventCorrelationID), KeyType: types.KeyTypeHash},
				{AttributeName: s(contract.EventTimestamp), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
}
