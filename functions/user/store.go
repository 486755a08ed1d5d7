package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/keyring"
)

// dynamoStore keeps users in the users table, keyed by pk:
//
//	USER#<userId>      the user, their contact sealed
//	EMAIL#<emailKey>   the owner of an email, by the email's blind index:
//	                   what keeps emails unique without holding them
//
// their data keys in the keys table, and their events in the event store,
// each change to the three in one transaction.
type dynamoStore struct {
	db     DynamoDB
	events *eventstore.Dynamo
	keys   *keyring.Keyring
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
// (contract.UsersKey) USER#<userId>. Contact is the sealed contact's
// ciphertext; its subject is the user.
type userItem struct {
	UserID    string   `dynamodbav:"userId"`
	Contact   []byte   `dynamodbav:"contact"`
	EmailKey  string   `dynamodbav:"emailKey"`
	CreatedAt string   `dynamodbav:"createdAt"`
	Resets    []string `dynamodbav:"resets,omitempty"` // attrResets
}

// attrResets is userItem's list of recent reset times, RFC 3339.
const attrResets = "resets"

// emailItem names the owner of an email, under its key EMAIL#<emailKey>.
type emailItem struct {
	UserID string `dynamodbav:"userId"` // emailOwner
}

// emailOwner is emailItem's attribute that names the owner.
const emailOwner = "userId"

func userKey(id string) string       { return "USER#" + id }
func emailKey(blinded string) string { return "EMAIL#" + blinded }
func streamID(userID string) string  { return contract.UserStream.ID(userID) }

func (s *dynamoStore) Create(ctx context.Context, r Record, key *keyring.Key, registered events.Envelope) error {
	user, err := s.putNew(userKey(r.UserID), userItem{
		UserID: r.UserID, Contact: r.Contact.Ciphertext, EmailKey: r.EmailKey, CreatedAt: r.CreatedAt.Format(time.RFC3339Nano),
	})
	if err != nil {
		return err
	}
	email, err := s.putNew(emailKey(r.EmailKey), emailItem{UserID: r.UserID})
	if err != nil {
		return err
	}
	err = s.events.AppendWith(ctx, streamID(r.UserID), 0, []events.Envelope{registered}, user, email, s.keys.Put(key))
	var conflict *eventstore.StateConflictError
	if errors.As(err, &conflict) && conflict.Index == 1 {
		return ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", r.UserID, err)
	}
	return nil
}

func (s *dynamoStore) Get(ctx context.Context, userID string) (Record, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(userKey(userID)),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Record{}, fmt.Errorf("get user %s: %w", userID, err)
	}
	if out.Item == nil {
		return Record{}, ErrNotFound
	}
	var it userItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Record{}, fmt.Errorf("decode user %s: %w", userID, err)
	}
	created, err := time.Parse(time.RFC3339Nano, it.CreatedAt)
	if err != nil {
		return Record{}, fmt.Errorf("decode user %s: createdAt: %w", userID, err)
	}
	resets, err := parseTimes(it.Resets)
	if err != nil {
		return Record{}, fmt.Errorf("decode user %s: %s: %w", userID, attrResets, err)
	}
	return Record{UserID: it.UserID, Contact: events.Sealed[events.Contact]{Subject: it.UserID, Ciphertext: it.Contact},
		EmailKey: it.EmailKey, CreatedAt: created, Resets: resets}, nil
}

func formatTimes(times []time.Time) []string {
	out := make([]string, len(times))
	for i, t := range times {
		out[i] = t.Format(time.RFC3339Nano)
	}
	return out
}

func parseTimes(s []string) ([]time.Time, error) {
	out := make([]time.Time, len(s))
	for i, v := range s {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// StartReset appends the reset at the stream's current version, with the
// token's hash and expiry and the recent resets set on the user item in the
// same transaction, on the condition that the item still holds the resets
// seen: of two resets at once, the second finds the first's.
func (s *dynamoStore) StartReset(ctx context.Context, userID, tokenHash string, expiresAt time.Time, seen, resets []time.Time, reset events.Envelope) error {
	unchanged := expression.AttributeNotExists(expression.Name(attrResets))
	if len(seen) > 0 {
		unchanged = expression.Name(attrResets).Equal(expression.Value(formatTimes(seen)))
	}
	update, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("resetTokenHash"), expression.Value(tokenHash)).
			Set(expression.Name("resetExpiresAt"), expression.Value(expiresAt.Format(time.RFC3339))).
			Set(expression.Name(attrResets), expression.Value(formatTimes(resets)))).
		WithCondition(expression.AttributeExists(expression.Name(contract.UsersKey)).And(unchanged)).
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
	err = s.appendLatest(ctx, userID, reset, write)
	var conflict *eventstore.StateConflictError
	if errors.As(err, &conflict) {
		return ErrResetsChanged // or the user is gone, which reading them again tells
	}
	return err
}

// Forget deletes the user item, the reservation of their email, which
// must be theirs, and their data key, and appends forgotten, in one
// transaction.
func (s *dynamoStore) Forget(ctx context.Context, userID string, forgotten events.Envelope) error {
	r, err := s.Get(ctx, userID)
	if err != nil {
		return err
	}
	user := types.TransactWriteItem{Delete: &types.Delete{
		TableName:                aws.String(s.table),
		Key:                      key(userKey(userID)),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": contract.UsersKey},
	}}
	email := types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       key(emailKey(r.EmailKey)),
		ConditionExpression:       aws.String("#u = :u"),
		ExpressionAttributeNames:  map[string]string{"#u": emailOwner},
		ExpressionAttributeValues: map[string]types.AttributeValue{":u": &types.AttributeValueMemberS{Value: userID}},
	}}
	err = s.appendLatest(ctx, userID, forgotten, user, email, s.keys.Delete(userID))
	var conflict *eventstore.StateConflictError
	if errors.As(err, &conflict) && conflict.Index == 1 {
		return fmt.Errorf("forget user %s: the reservation of their email is not theirs", userID)
	}
	return notFoundIfGone(err)
}

// notFoundIfGone turns a failed condition on the user item (the first
// state write) into ErrNotFound: the user is gone.
func notFoundIfGone(err error) error {
	var conflict *eventstore.StateConflictError
	if errors.As(err, &conflict) && conflict.Index == 0 {
		return ErrNotFound
	}
	return err
}

// appendLatest appends env at the user stream's current version with
// writes, in one transaction. Two changes at once race on the version; the
// loser reads it again and appends after the winner. A write whose
// condition fails is a *eventstore.StateConflictError naming it.
func (s *dynamoStore) appendLatest(ctx context.Context, userID string, env events.Envelope, writes ...types.TransactWriteItem) error {
	for attempt := 1; ; attempt++ {
		version, err := s.events.Version(ctx, streamID(userID))
		if err != nil {
			return err
		}
		err = s.events.AppendWith(ctx, streamID(userID), version, []events.Envelope{env}, writes...)
		var conflict *eventstore.StateConflictError
		switch {
		case errors.As(err, &conflict):
			return err
		case errors.Is(err, eventstore.ErrConcurrency) && attempt < 3:
			continue
		case err != nil:
			return fmt.Errorf("%s for %s: %w", env.EventType, userID, err)
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
