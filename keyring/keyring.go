package keyring

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/eventshop/eventshop/contract"
)

// KMS is the part of the KMS client a keyring calls.
type KMS interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// DynamoDB is the part of the DynamoDB client a keyring calls.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

var (
	_ KMS      = (*kms.Client)(nil)
	_ DynamoDB = (*dynamodb.Client)(nil)
	_ Keys     = (*Keyring)(nil)
)

// Keyring keeps the subjects' data keys in the keys table, wrapped by the
// personal data KMS key. It is safe for concurrent use.
type Keyring struct {
	kms    KMS
	db     DynamoDB
	table  string
	kmsKey string

	mu    sync.Mutex
	index []byte // the email index key, once read
}

// New returns the keyring of the keys table, whose keys kmsKey (an ARN)
// wraps.
func New(k KMS, db DynamoDB, table, kmsKey string) *Keyring {
	return &Keyring{kms: k, db: db, table: table, kmsKey: kmsKey}
}

// New makes a data key for a new subject. Nothing is stored: Put is the
// write that keeps it, for the caller's transaction with whatever it seals.
func (r *Keyring) New(ctx context.Context, subject string) (*Key, error) {
	plaintext, wrapped, err := r.generate(ctx, map[string]string{contract.KMSContextPurpose: contract.PurposePersonalData, contract.KMSContextSubject: subject})
	if err != nil {
		return nil, fmt.Errorf("data key for %s: %w", subject, err)
	}
	return newKey(subject, plaintext, wrapped)
}

func (r *Keyring) generate(ctx context.Context, encryptionContext map[string]string) (plaintext, wrapped []byte, err error) {
	out, err := r.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             aws.String(r.kmsKey),
		KeySpec:           kmstypes.DataKeySpecAes256,
		EncryptionContext: encryptionContext,
	})
	if err != nil {
		return nil, nil, err
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

// Put is the write that keeps k's wrapped key, if its subject has none yet.
func (r *Keyring) Put(k *Key) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                aws.String(r.table),
		Item:                     item(k.subject, k.wrapped),
		ConditionExpression:      aws.String("attribute_not_exists(#s)"),
		ExpressionAttributeNames: map[string]string{"#s": contract.KeysSubject},
	}}
}

// Keep stores k's wrapped key on its own, if its subject has none yet: for
// a tool that makes a key outside a service's transaction.
func (r *Keyring) Keep(ctx context.Context, k *Key) error {
	put := r.Put(k).Put
	_, err := r.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
		ConditionExpression: put.ConditionExpression, ExpressionAttributeNames: put.ExpressionAttributeNames})
	if err != nil {
		return fmt.Errorf("keep the key of %s: %w", k.subject, err)
	}
	return nil
}

// Delete is the write that deletes a subject's key: forgetting them, for
// the caller's transaction with the rest of what forgetting deletes.
func (r *Keyring) Delete(subject string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(r.table),
		Key:       map[string]types.AttributeValue{contract.KeysSubject: &types.AttributeValueMemberS{Value: subject}},
	}}
}

// Key returns the subject's key: a consistent read of the keys table and a
// KMS Decrypt, or, inside WithCache, what an earlier call of the same
// context found. A subject without a key is forgotten.
func (r *Keyring) Key(ctx context.Context, subject string) (*Key, error) {
	return cachedKey(ctx, subject, func() (*Key, error) { return r.read(ctx, subject) })
}

func (r *Keyring) read(ctx context.Context, subject string) (*Key, error) {
	wrapped, err := r.wrapped(ctx, subject)
	if err != nil {
		return nil, err
	}
	if wrapped == nil {
		return nil, fmt.Errorf("%w: %s", ErrForgotten, subject)
	}
	plaintext, err := r.decrypt(ctx, wrapped, map[string]string{contract.KMSContextPurpose: contract.PurposePersonalData, contract.KMSContextSubject: subject})
	if err != nil {
		return nil, fmt.Errorf("data key of %s: %w", subject, err)
	}
	return newKey(subject, plaintext, wrapped)
}

// wrapped reads a subject's wrapped key, or nil if there is none.
func (r *Keyring) wrapped(ctx context.Context, subject string) ([]byte, error) {
	out, err := r.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(r.table),
		Key:                      map[string]types.AttributeValue{contract.KeysSubject: &types.AttributeValueMemberS{Value: subject}},
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#w"),
		ExpressionAttributeNames: map[string]string{"#w": contract.KeysWrapped},
	})
	if err != nil {
		return nil, fmt.Errorf("read the key of %s: %w", subject, err)
	}
	if out.Item == nil {
		return nil, nil
	}
	b, ok := out.Item[contract.KeysWrapped].(*types.AttributeValueMemberB)
	if !ok || len(b.Value) == 0 {
		return nil, fmt.Errorf("the key of %s is not a binary %s", subject, contract.KeysWrapped)
	}
	return b.Value, nil
}

func (r *Keyring) decrypt(ctx context.Context, wrapped []byte, encryptionContext map[string]string) ([]byte, error) {
	out, err := r.kms.Decrypt(ctx, &kms.DecryptInput{
		KeyId:             aws.String(r.kmsKey),
		CiphertextBlob:    wrapped,
		EncryptionContext: encryptionContext,
	})
	if err != nil {
		return nil, err
	}
	return out.Plaintext, nil
}

// item is a key as the keys table holds it.
func item(subject string, wrapped []byte) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		contract.KeysSubject: &types.AttributeValueMemberS{Value: subject},
		contract.KeysWrapped: &types.AttributeValueMemberB{Value: wrapped},
	}
}
