// Package customer is the order service's view of users: who may place
// orders and how to write to them, their contact as sealed as the user
// service sealed it. It is kept from user events by the customers function
// and read by the order function, in the order service's own table, so
// that the order service never asks the user service anything.
package customer

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/go-json-experiment/json"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

var (
	// ErrNotFound means no user.registered event for the user has been
	// seen, or the user was forgotten.
	ErrNotFound = errors.New("unknown customer")
	// ErrForgotten means the user was forgotten: they are never a
	// customer again, whatever event comes late.
	ErrForgotten = errors.New("the customer was forgotten")
)

// DynamoDB is the part of the DynamoDB client the table uses.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// Table keeps customers in a DynamoDB table keyed by userId (the
// contract's CustomersKey), one item each: the sealed contact's JSON
// (CustomersContact), or, once the user is forgotten, a tombstone
// (CustomersForgotten) that holds nothing of them, so
// that a user.registered delivered late or replayed does not bring them
// back. It is safe for concurrent use.
type Table struct {
	db    DynamoDB
	table string
}

// NewTable returns the customers kept in the named table.
func NewTable(db DynamoDB, table string) *Table { return &Table{db: db, table: table} }

// Put records a customer. Putting the same customer again changes nothing,
// so a redelivered event is harmless; putting a forgotten one returns
// ErrForgotten and changes nothing either.
func (t *Table) Put(ctx context.Context, p events.Person) error {
	contact, err := json.Marshal(p.Contact)
	if err != nil {
		return fmt.Errorf("encode customer %s: %w", p.UserID, err)
	}
	_, err = t.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(t.table),
		Item: map[string]types.AttributeValue{
			contract.CustomersKey:     &types.AttributeValueMemberS{Value: p.UserID},
			contract.CustomersContact: &types.AttributeValueMemberS{Value: string(contact)},
		},
		ConditionExpression:      aws.String("attribute_not_exists(#f)"),
		ExpressionAttributeNames: map[string]string{"#f": contract.CustomersForgotten},
	})
	var tombstone *types.ConditionalCheckFailedException
	if errors.As(err, &tombstone) {
		return ErrForgotten
	}
	if err != nil {
		return fmt.Errorf("put customer %s: %w", p.UserID, err)
	}
	return nil
}

// Forget replaces a customer, whether or not they were one yet, with a
// tombstone: nothing of them is kept.
func (t *Table) Forget(ctx context.Context, userID string) error {
	_, err := t.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(t.table),
		Item: map[string]types.AttributeValue{
			contract.CustomersKey:       &types.AttributeValueMemberS{Value: userID},
			contract.CustomersForgotten: &types.AttributeValueMemberBOOL{Value: true},
		},
	})
	if err != nil {
		return fmt.Errorf("forget customer %s: %w", userID, err)
	}
	return nil
}

// Get returns the customer with the user id, or ErrNotFound.
func (t *Table) Get(ctx context.Context, userID string) (events.Person, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(t.table),
		Key:       map[string]types.AttributeValue{contract.CustomersKey: &types.AttributeValueMemberS{Value: userID}},
	})
	if err != nil {
		return events.Person{}, fmt.Errorf("get customer %s: %w", userID, err)
	}
	contact, ok := out.Item[contract.CustomersContact].(*types.AttributeValueMemberS)
	if !ok { // no item, or a tombstone
		return events.Person{}, ErrNotFound
	}
	p := events.Person{UserID: userID}
	if err := json.Unmarshal([]byte(contact.Value), &p.Contact); err != nil {
		return events.Person{}, fmt.Errorf("decode customer %s: %w", userID, err)
	}
	return p, nil
}
