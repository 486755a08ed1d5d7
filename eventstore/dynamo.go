package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// CorrelationIndex is the global secondary index keyed by correlation id
// and sorted by timestamp, as the stack declares it.
const CorrelationIndex = contract.CorrelationIndex

// sortableTime is RFC 3339 in UTC with fixed-width fractions, so that
// strings sort as times do.
const sortableTime = "2006-01-02T15:04:05.000000000Z"

// DynamoDB is the part of the DynamoDB client the store uses.
type DynamoDB interface {
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Dynamo is the event store on a DynamoDB table keyed by streamId (string)
// and version (number). It is safe for concurrent use.
type Dynamo struct {
	db       DynamoDB
	table    string
	pageSize int32
}

// NewDynamo returns a store on the named table.
func NewDynamo(db DynamoDB, table string) *Dynamo {
	return &Dynamo{db: db, table: table}
}

// WithPageSize returns a copy of the store that reads at most n items per
// query page; tests use it to exercise pagination.
func (s *Dynamo) WithPageSize(n int32) *Dynamo {
	c := *s
	c.pageSize = n
	return &c
}

// StateConflictError reports that the condition of the state write at Index
// (as passed to [Dynamo.AppendWith]) failed. Nothing was written.
type StateConflictError struct {
	Index int
	// Busy says that the condition was not what failed: another
	// transaction wrote the item at the same moment (DynamoDB's
	// TransactionConflict), and the same write may succeed if tried again.
	Busy bool
}

// Error names the state write whose condition failed.
func (e *StateConflictError) Error() string {
	if e.Busy {
		return fmt.Sprintf("state write %d: another transaction wrote the item at the same moment", e.Index)
	}
	return fmt.Sprintf("state write %d: condition failed", e.Index)
}

// Append stores envs at versions expected+1, expected+2, … of the stream,
// all or nothing. It returns a [*ConcurrencyError] if the stream is not at
// version expected.
func (s *Dynamo) Append(ctx context.Context, streamID string, expected int, envs ...events.Envelope) error {
	return s.AppendWith(ctx, streamID, expected, envs)
}

// AppendWith is Append with state changes written in the same transaction,
// such as the row an event describes. If a state write's condition fails it
// returns a [*StateConflictError] naming it.
func (s *Dynamo) AppendWith(ctx context.Context, streamID string, expected int, envs []events.Envelope, state ...types.TransactWriteItem) error {
	if err := checkAppend(streamID, expected, len(envs)+len(state)); err != nil {
		return err
	}
	writes := append(make([]types.TransactWriteItem, 0, len(state)+len(envs)+1), state...)
	if expected > 0 {
		check, err := s.versionExists(streamID, expected)
		if err != nil {
			return err
		}
		writes = append(writes, check)
	}
	for i, env := range envs {
		put, err := s.put(streamID, expected+1+i, env)
		if err != nil {
			return err
		}
		writes = append(writes, put)
	}

	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		if err != nil {
			return fmt.Errorf("append to %s at version %d: %w", streamID, expected, err)
		}
		return nil
	}
	// A failed condition, or another transaction writing the same item at
	// the same moment, means the caller lost a race: on a state item (an
	// email taken) or on the stream (a concurrent append).
	for i, reason := range canceled.CancellationReasons {
		switch aws.ToString(reason.Code) {
		case "ConditionalCheckFailed", "TransactionConflict":
			if i < len(state) {
				return &StateConflictError{Index: i, Busy: aws.ToString(reason.Code) == "TransactionConflict"}
			}
			return &ConcurrencyError{StreamID: streamID, Expected: expected}
		}
	}
	return fmt.Errorf("append to %s at version %d: %w", streamID, expected, err)
}

func (s *Dynamo) versionExists(streamID string, version int) (types.TransactWriteItem, error) {
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeExists(expression.Name(contract.EventStreamID))).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("version check: %w", err)
	}
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                aws.String(s.table),
		Key:                      key(streamID, version),
		ConditionExpression:      cond.Condition(),
		ExpressionAttributeNames: cond.Names(),
	}}, nil
}

func (s *Dynamo) put(streamID string, version int, env events.Envelope) (types.TransactWriteItem, error) {
	raw, err := json.Marshal(env)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encode %s: %w", env.EventID, err)
	}
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	item := key(streamID, version)
	item[contract.EventID] = str(env.EventID)
	item[contract.EventType] = str(env.EventType)
	item[contract.EventCorrelationID] = str(env.Metadata.CorrelationID)
	item[contract.EventTimestamp] = str(env.Timestamp.UTC().Format(sortableTime))
	item[contract.EventEnvelope] = str(string(raw))
	return PutNew(s.table, contract.EventStreamID, item)
}

// PutNew is a write for a transaction, such as a state write of
// [Dynamo.AppendWith], that puts item into table on condition that no item
// with its key exists yet: keyAttr names the key's (partition) attribute.
func PutNew(table, keyAttr string, item map[string]types.AttributeValue) (types.TransactWriteItem, error) {
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(keyAttr))).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("put condition: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                aws.String(table),
		Item:                     item,
		ConditionExpression:      cond.Condition(),
		ExpressionAttributeNames: cond.Names(),
	}}, nil
}

// Load returns the stream's records from version from on, in version
// order, reading every page. A stream that does not exist is empty.
func (s *Dynamo) Load(ctx context.Context, streamID string, from int) ([]Record, error) {
	keyCond := expression.Key(contract.EventStreamID).Equal(expression.Value(streamID)).
		And(expression.Key(contract.EventVersion).GreaterThanEqual(expression.Value(from)))
	expr, err := expression.NewBuilder().WithKeyCondition(keyCond).Build()
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", streamID, err)
	}
	records, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("load %s from v%d: %w", streamID, from, err)
	}
	return records, nil
}

// Version returns the stream's current version: that of its last event,
// 0 if it has none. It reads consistently.
func (s *Dynamo) Version(ctx context.Context, streamID string) (int, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key(contract.EventStreamID).Equal(expression.Value(streamID))).Build()
	if err != nil {
		return 0, fmt.Errorf("version of %s: %w", streamID, err)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ProjectionExpression:      aws.String(contract.EventVersion),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("version of %s: %w", streamID, err)
	}
	if len(out.Items) == 0 {
		return 0, nil
	}
	var version int
	if err := attributevalue.Unmarshal(out.Items[0][contract.EventVersion], &version); err != nil {
		return 0, fmt.Errorf("version of %s: %w", streamID, err)
	}
	return version, nil
}

// ByCorrelation returns every event of one flow, oldest first. It reads a
// secondary index, so an event appended a moment ago may be missing.
func (s *Dynamo) ByCorrelation(ctx context.Context, correlationID string) ([]Record, error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(contract.EventCorrelationID).Equal(expression.Value(correlationID))).
		Build()
	if err != nil {
		return nil, fmt.Errorf("query correlation %s: %w", correlationID, err)
	}
	records, err := s.query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(CorrelationIndex),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return nil, fmt.Errorf("query correlation %s: %w", correlationID, err)
	}
	return records, nil
}

func (s *Dynamo) query(ctx context.Context, in *dynamodb.QueryInput) ([]Record, error) {
	if s.pageSize > 0 {
		in.Limit = aws.Int32(s.pageSize)
	}
	var records []Record
	pages := dynamodb.NewQueryPaginator(s.db, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, av := range page.Items {
			r, err := record(av)
			if err != nil {
				return nil, err
			}
			records = append(records, r)
		}
	}
	return records, nil
}

// record decodes an item of the table.
func record(av map[string]types.AttributeValue) (Record, error) {
	var r Record
	var raw string
	if err := errors.Join(
		attributevalue.Unmarshal(av[contract.EventStreamID], &r.StreamID),
		attributevalue.Unmarshal(av[contract.EventVersion], &r.Version),
		attributevalue.Unmarshal(av[contract.EventEnvelope], &raw),
	); err != nil {
		return Record{}, fmt.Errorf("decode item: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &r.Envelope); err != nil {
		return Record{}, fmt.Errorf("decode %s v%d: %w", r.StreamID, r.Version, err)
	}
	return r, nil
}

func key(streamID string, version int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		contract.EventStreamID: &types.AttributeValueMemberS{Value: streamID},
		contract.EventVersion:  &types.AttributeValueMemberN{Value: strconv.Itoa(version)},
	}
}
