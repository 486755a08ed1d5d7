// Package customer is the order service's view of users: who may place
// orders and where to write to them. It is kept from user.registered
// events by the customers function and read by the order function, in the
// order service's own table, so that the order service never asks the user
// service anything.
package customer

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// ErrNotFound means no user.registered event for the user has been seen.
var ErrNotFound = errors.New("unknown customer")

// DynamoDB is the part of the DynamoDB client the table uses.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// Table keeps customers in a DynamoDB table keyed by userId. It is safe
// for concurrent use.
type Table struct {
	db    DynamoDB
	table string
}

// NewTable returns the customers kept in the named table.
func NewTable(db DynamoDB, table string) *Table { return &Table{db: db, table: table} }

// item is a customer as the table holds it, under its key
// (contract.CustomersKey), the user id.
type item struct {
	Email string `dynamodbav:"email"`
	Name  string `dynamodbav:"name"`
}

// Put records a customer. Putting the same customer again changes nothing,
// so a redelivered event is harmless.
func (t *Table) Put(ctx context.Context, c events.Customer) error {
	av, err := attributevalue.MarshalMap(item{Email: c.Email, Name: c.Name})
	if err != nil {
		return fmt.Errorf("encode customer %s: %w", c.UserID, err)
	}
	maps.Copy(av, key(c.UserID))
	if _, err := t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(t.table), Item: av}); err != nil {
		return fmt.Errorf("put customer %s: %w", c.UserID, err)
	}
	return nil
}

// Get returns the customer with the user id, or ErrNotFound.
func (t *Table) Get(ctx context.Context, userID string) (events.Customer, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(t.table),
		Key:       key(userID),
	})
	if err != nil {
		return events.Customer{}, fmt.Errorf("get customer %s: %w", userID, err)
	}
	if out.Item == nil {
		return events.Customer{}, ErrNotFound
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return events.Customer{}, fmt.Errorf("decode customer %s: %w", userID, err)
	}
	return events.Customer{UserID: userID, Email: it.Email, Name: it.Name}, nil
}

func key(userID string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{contract.CustomersKey: &types.AttributeValueMemberS{Value: userID}}
}
