package idempotency

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/contract"
)

// DynamoDB is the part of the DynamoDB client the store uses.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// Dynamo is a Store on a DynamoDB table keyed by contract.IdempotencyKey,
// with time to live on contract.IdempotencyExpiry. A claim is a
// conditional put, so it holds across processes.
type Dynamo struct {
	db    DynamoDB
	table string
	now   func() time.Time
}

// NewDynamo returns a store on the named table.
func NewDynamo(db DynamoDB, table string) *Dynamo {
	return &Dynamo{db: db, table: table, now: time.Now}
}

var _ Store = (*Dynamo)(nil)

const (
	inProgress = "IN_PROGRESS"
	completed  = "COMPLETED"
)

// item is a key's state as the table holds it, besides the key and the
// expiry (unix seconds), whose names the stack declares.
type item struct {
	Status     string `dynamodbav:"status"`
	LeaseUntil int64  `dynamodbav:"leaseUntil,omitempty"` // unix milliseconds
	Result     string `dynamodbav:"result,omitempty"`
}

// marshal is the whole item of key: its state, key and expiry.
func marshal(key string, it item, expires time.Time) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, err
	}
	maps.Copy(av, pk(key))
	av[contract.IdempotencyExpiry] = &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)}
	return av, nil
}

// Begin implements Store: it puts an in-progress item if there is none,
// or if the one there is in progress with its lease run out.
func (d *Dynamo) Begin(ctx context.Context, key string, lease time.Duration) (Claim, error) {
	now := d.now()
	until := now.Add(lease)
	av, err := marshal(key, item{Status: inProgress, LeaseUntil: until.UnixMilli()}, until.Add(time.Hour))
	if err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	cond := expression.AttributeNotExists(expression.Name(contract.IdempotencyKey)).Or(
		expression.Name("status").Equal(expression.Value(inProgress)).
			And(expression.Name("leaseUntil").LessThan(expression.Value(now.UnixMilli()))))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.table), Item: av,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if err == nil {
		return Claim{State: Claimed}, nil
	}
	if !errors.As(err, &failed) {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	out, err := d.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.table), Key: pk(key), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Claim{}, fmt.Errorf("claim %s: %w", key, err)
	}
	if it.Status == completed {
		return Claim{State: Done, Result: it.Result}, nil
	}
	return Claim{State: Busy}, nil
}

// Complete implements Store.
func (d *Dynamo) Complete(ctx context.Context, key, result string, keep time.Duration) error {
	av, err := marshal(key, item{Status: completed, Result: result}, d.now().Add(keep))
	if err != nil {
		return fmt.Errorf("complete %s: %w", key, err)
	}
	if _, err := d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: av}); err != nil {
		return fmt.Errorf("complete %s: %w", key, err)
	}
	return nil
}

// Release implements Store: it deletes the item if it is in progress.
func (d *Dynamo) Release(ctx context.Context, key string) error {
	expr, err := expression.NewBuilder().WithCondition(expression.Name("status").Equal(expression.Value(inProgress))).Build()
	if err != nil {
		return fmt.Errorf("release %s: %w", key, err)
	}
	_, err = d.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(d.table), Key: pk(key),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var failed *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &failed) {
		return fmt.Errorf("release %s: %w", key, err)
	}
	return nil
}

func pk(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{contract.IdempotencyKey: &types.AttributeValueMemberS{Value: key}}
}
