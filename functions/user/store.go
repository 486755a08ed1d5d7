package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
)

// dynamoStore keeps users in the users table, keyed by pk:
//
//	USER#<userId>   the user
//	EMAIL#<email>   the email's owner, lower-cased: what makes emails unique
//
// and their events in the event store, written in the same transaction.
type dynamoStore struct {
	events *eventstore.Dynamo
	table  string
}

var _ Store = (*dynamoStore)(nil)

type userItem struct {
	PK        string `dynamodbav:"pk"`
	UserID    string `dynamodbav:"userId"`
	Email     string `dynamodbav:"email"`
	Name      string `dynamodbav:"name"`
	CreatedAt string `dynamodbav:"createdAt"`
}

type emailItem struct {
	PK     string `dynamodbav:"pk"`
	UserID string `dynamodbav:"userId"`
}

func userKey(id string) string      { return "USER#" + id }
func emailKey(email string) string  { return "EMAIL#" + strings.ToLower(email) }
func streamID(userID string) string { return "user-" + userID }

func (s *dynamoStore) Create(ctx context.Context, u User, registered events.Envelope) error {
	user, err := s.putNew(userItem{
		PK: userKey(u.UserID), UserID: u.UserID, Email: u.Email, Name: u.Name,
		CreatedAt: u.CreatedAt.Format("2006-01-02T15:04:05.000Z07:00"),
	})
	if err != nil {
		return err
	}
	email, err := s.putNew(emailItem{PK: emailKey(u.Email), UserID: u.UserID})
	if err != nil {
		return err
	}
	err = s.events.AppendWith(ctx, streamID(u.UserID), 0, []events.Envelope{registered}, user, email)
	var conflict *eventstore.StateConflictError
	if errors.As(err, &conflict) && conflict.Index == 1 {
		return ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.UserID, err)
	}
	return nil
}

// putNew is a transactional put of an item whose key must not exist yet.
func (s *dynamoStore) putNew(item any) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	cond, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("pk"))).Build()
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                aws.String(s.table),
		Item:                     av,
		ConditionExpression:      cond.Condition(),
		ExpressionAttributeNames: cond.Names(),
	}}, nil
}
