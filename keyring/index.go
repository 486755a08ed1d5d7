package keyring

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/eventshop/eventshop/contract"
)

// Blind returns a keyed hash of value: HMAC-SHA256 under the email index
// key, in hex. A table may keep it to find a value by, or to keep values
// unique, without holding the value: the users table reserves emails so.
// The index key is one data key of the keys table, made by the first
// caller and read once per process.
func (r *Keyring) Blind(ctx context.Context, value string) (string, error) {
	key, err := r.indexKey(ctx)
	if err != nil {
		return "", err
	}
	return blind(key, value), nil
}

func blind(key []byte, value string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))
}

// indexKey reads the email index key, making it if the keys table has
// none: of two processes that make one at once, one's is kept and the
// other reads it.
func (r *Keyring) indexKey(ctx context.Context) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.index != nil {
		return r.index, nil
	}
	encryptionContext := map[string]string{contract.KMSContextPurpose: contract.PurposeEmailIndex}
	for range 2 {
		wrapped, err := r.wrapped(ctx, contract.IndexKeySubject)
		if err != nil {
			return nil, err
		}
		if wrapped != nil {
			key, err := r.decrypt(ctx, wrapped, encryptionContext)
			if err != nil {
				return nil, fmt.Errorf("the email index key: %w", err)
			}
			r.index = key
			return key, nil
		}
		key, wrapped, err := r.generate(ctx, encryptionContext)
		if err != nil {
			return nil, fmt.Errorf("make the email index key: %w", err)
		}
		_, err = r.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                aws.String(r.table),
			Item:                     item(contract.IndexKeySubject, wrapped),
			ConditionExpression:      aws.String("attribute_not_exists(#s)"),
			ExpressionAttributeNames: map[string]string{"#s": contract.KeysSubject},
		})
		var lost *types.ConditionalCheckFailedException
		if errors.As(err, &lost) {
			continue // another process made it first: read theirs
		}
		if err != nil {
			return nil, fmt.Errorf("keep the email index key: %w", err)
		}
		r.index = key
		return key, nil
	}
	return nil, errors.New("the email index key was made, but cannot be read")
}
