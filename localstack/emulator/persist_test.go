package emulator_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/emulator"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

// TestStateSurvivesARestart holds the emulator to what make local's kept
// state needs of it: items, and a table's stream that publishes again
// (localstack/kumo/patches/0003), and a message received and not deleted
// before the restart (patches/0004), which comes back when its
// visibility ends.
func TestStateSurvivesARestart(t *testing.T) {
	if !emulatortest.Enabled() {
		t.Skip("set EVENTSHOP_INTEGRATION=1 to run against the embedded emulator")
	}
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	start := func() (*emulator.Emulator, aws.Config) {
		t.Helper()
		e, err := emulator.Start(ctx, emulator.Options{Root: root, Region: emulatortest.Region, Log: io.Discard, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := emulator.Config(ctx, e.URL, emulatortest.Region)
		if err != nil {
			e.Stop()
			t.Fatal(err)
		}
		return e, cfg
	}

	e, cfg := start()
	db, q := dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("kept"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		StreamSpecification:  &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewImage},
	}); err != nil {
		t.Fatal(err)
	}
	put := func(db *dynamodb.Client, pk string) {
		t.Helper()
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("kept"),
			Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}}}); err != nil {
			t.Fatal(err)
		}
	}
	put(db, "before")
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("kept")})
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"waiting", "in flight"} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queue.QueueUrl, MessageBody: aws.String(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 2}); err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive before the restart: %d messages, %v", len(out.Messages), err)
	}
	e.Stop()

	e, cfg = start()
	defer e.Stop()
	db, q = dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("kept"),
		Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "before"}}})
	if err != nil || got.Item == nil {
		t.Fatalf("the item written before the restart: %v, %v", got, err)
	}

	table, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("kept")})
	if err != nil {
		t.Fatal(err)
	}
	streams := dynamodbstreams.NewFromConfig(cfg)
	desc, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: table.Table.LatestStreamArn})
	if err != nil || len(desc.StreamDescription.Shards) == 0 {
		t.Fatalf("the restored table's stream: %v", err)
	}
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: table.Table.LatestStreamArn,
		ShardId: desc.StreamDescription.Shards[0].ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	put(db, "after")
	records, err := streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(records.Records) != 1 {
		t.Fatalf("a write after the restart made %d stream records (%v), want 1", len(records.Records), err)
	}

	bodies := map[string]bool{}
	for deadline := time.Now().Add(5 * time.Second); len(bodies) < 2 && time.Now().Before(deadline); {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			bodies[aws.ToString(m.Body)] = true
		}
	}
	if !bodies["waiting"] || !bodies["in flight"] {
		t.Errorf("after the restart the queue gave %v, want both the waiting message and the one in flight", bodies)
	}
}
