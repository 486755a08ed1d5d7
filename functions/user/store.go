package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/contract"
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
	db     DynamoDB
	events *eventstore.Dynamo
	table  string
}

// DynamoDB is the part of the DynamoDB client the store reads with.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

var (
	_ Store    = (*dynamoStore)(nil)
	_ DynamoDB = (*dynamodb.Client)(nil)
)

// userItem is a user as the table holds it, under its key
// (contract.UsersKey) USER#<userId>.
type userItem struct {
	UserID    string `dynamodbav:"userId"`
	Email     string `dynamodbav:"email"`
	Name      string `dynamodbav:"name"`
	CreatedAt string `dynamodbav:"createdAt"`
}

// emailItem names the owner of an email, under its key EMAIL#<email>.
type emailItem struct {
	UserID string `dynamodbav:"userId"`
}

func userKey(id string) string      { return "USER#" + id }
func emailKey(email string) string  { return "EMAIL#" + strings.ToLower(email) }
func streamID(userID string) string { return "user-" + userID }

func (s *dynamoStore) Create(ctx context.Context, u User, registered events.Envelope) error {
	user, err := s.putNew(userKey(u.UserID), userItem{
		UserID: u.UserID, Email: u.Email, Name: u.Name, CreatedAt: u.CreatedAt.Format(time.RFC3339Nano),
	})
	if err != nil {
		return err
	}
	email, err := s.putNew(emailKey(u.Email), emailItem{UserID: u.UserID})
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

func (s *dynamoStore) Get(ctx context.Context, userID string) (User, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(userKey(userID)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return User{}, fmt.Errorf("get user %s: %w", userID, err)
	}
	if out.Item == nil {
		return User{}, ErrNotFound
	}
	var it userItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return User{}, fmt.Errorf("decode user %s: %w", userID, err)
	}
	created, err := time.Parse(time.RFC3339Nano, it.CreatedAt)
	if err != nil {
		return User{}, fmt.Errorf("decode user %s: createdAt: %w", userID, err)
	}
	return User{UserID: it.UserID, Email: it.Email, Name: it.Name, CreatedAt: created}, nil
}

// StartReset appends the reset at the stream's current version, with the
// token's hash and expiry set on the user item in the same transaction. Two
// resets at once race on the version; the loser reads it again and
// appends after the winner, as the later reset.
func (s *dynamoStore) StartReset(ctx context.Context, userID, tokenHash string, expiresAt time.Time, reset events.Envelope) error {
	update, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("resetTokenHash"), expression.Value(tokenHash)).
			Set(expression.Name("resetExpiresAt"), expression.Value(expiresAt.Format(time.RFC3339)))).
		WithCondition(expression.AttributeExists(expression.Name(contract.UsersKey))).
		Build()
	if err != nil {
		return fmt.Errorf("reset update: %w", err)
	}
	write := types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(userKey(userID)),
		UpdateExpression:          update.Update(),
		ConditionExpression:       update.Condition(),
		ExpressionAttributeNames:  update.Names(),
		ExpressionAttributeValues: update.Values(),
	}}
	for attempt := 1; ; attempt++ {
		version, err := s.events.Version(ctx, streamID(userID))
		if err != nil {
			return err
		}
		err = s.events.AppendWith(ctx, streamID(userID), version, []events.Envelope{reset}, write)
		var conflict *eventstore.StateConflictError
		switch {
		case errors.As(err, &conflict):
			return ErrNotFound
		case errors.Is(err, eventstore.ErrConcurrency) && attempt < 3:
			continue
		case err != nil:
			return fmt.Errorf("start reset for %s: %w", userID, err)
		}
		return nil
	}
}

// putNew is a transactional put of an item under a key that must not
// exist yet.
func (s *dynamoStore) putNew(pk string, item any) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encode item: %w", err)
	}
	maps.Copy(av, key(pk))
	return eventstore.PutNew(s.table, contract.UsersKey, av)
}

// key is the table's key of an item.
func key(pk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{contract.UsersKey: &types.AttributeValueMemberS{Value: pk}}
}
