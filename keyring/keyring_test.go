package keyring_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/keyring"
	"github.com/eventshop/eventshop/keyring/keyringtest"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

func TestMemoryKeepsTheContract(t *testing.T) {
	keyringtest.Run(t, func(t *testing.T) keyringtest.Impl {
		m := keyring.NewMemory()
		return keyringtest.Impl{Ring: m, Reads: m.Reads,
			Keep:   func(_ *testing.T, k *keyring.Key) { m.Keep(k) },
			Delete: func(_ *testing.T, subject string) { m.Delete(subject) }}
	})
}

// countingKMS counts the calls that reach KMS.
type countingKMS struct {
	keyring.KMS
	generated, decrypted atomic.Int64
}

func (c *countingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	c.generated.Add(1)
	return c.KMS.GenerateDataKey(ctx, in, opts...)
}

func (c *countingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c.decrypted.Add(1)
	return c.KMS.Decrypt(ctx, in, opts...)
}

// TestKeyringKeepsTheContract runs the contract against KMS and DynamoDB
// as the embedded emulator serves them (integration run only). Its reads
// are KMS Decrypt calls.
func TestKeyringKeepsTheContract(t *testing.T) {
	_, cfg := emulatortest.Start(t)
	db, keyARN := awsclient.DynamoDB(cfg), createKey(t, kms.NewFromConfig(cfg))
	keyringtest.Run(t, func(t *testing.T) keyringtest.Impl {
		table := createTable(t, db)
		counted := &countingKMS{KMS: kms.NewFromConfig(cfg)}
		r := keyring.New(counted, db, table, keyARN)
		transact := func(t *testing.T, w types.TransactWriteItem) {
			t.Helper()
			if _, err := db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{w}}); err != nil {
				t.Fatal(err)
			}
		}
		return keyringtest.Impl{Ring: r, Reads: func() int { return int(counted.decrypted.Load()) },
			Keep:   func(t *testing.T, k *keyring.Key) { transact(t, r.Put(k)) },
			Delete: func(t *testing.T, subject string) { transact(t, r.Delete(subject)) }}
	})

	t.Run("keyrings of one table that make the index key at once agree on it", func(t *testing.T) {
		table := createTable(t, db)
		var wg sync.WaitGroup
		got := make([]string, 6)
		for i := range got {
			wg.Go(func() {
				r := keyring.New(kms.NewFromConfig(cfg), db, table, keyARN)
				b, err := r.Blind(context.Background(), "ada@example.com")
				if err != nil {
					t.Error(err)
				}
				got[i] = b
			})
		}
		wg.Wait()
		for _, b := range got[1:] {
			if b != got[0] {
				t.Fatalf("blind indexes differ: %q", got)
			}
		}
	})

	t.Run("a batch of messages for two people costs two KMS calls", func(t *testing.T) {
		table := createTable(t, db)
		counted := &countingKMS{KMS: kms.NewFromConfig(cfg)}
		r := keyring.New(counted, db, table, keyARN)
		var sealed []any
		for range 2 {
			k, err := r.New(context.Background(), uuid.NewString())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{r.Put(k)}}); err != nil {
				t.Fatal(err)
			}
			for range 5 {
				s, err := keyring.Seal(k, contactOf(k.Subject()))
				if err != nil {
					t.Fatal(err)
				}
				sealed = append(sealed, s)
			}
		}
		if n := counted.generated.Load(); n != 2 {
			t.Errorf("two new keys made %d GenerateDataKey calls", n)
		}
		batch := keyring.WithCache(context.Background())
		for _, s := range sealed {
			if _, err := openContact(batch, r, s); err != nil {
				t.Fatal(err)
			}
		}
		if n := counted.decrypted.Load(); n != 2 {
			t.Errorf("10 messages for 2 people made %d Decrypt calls, want 2", n)
		}
	})
}

// createKey creates a symmetric KMS key and returns its ARN.
func createKey(t *testing.T, k *kms.Client) string {
	t.Helper()
	out, err := k.CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("eventshop keyring test")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

// createTable creates a keys table shaped as the stack declares it.
func createTable(t *testing.T, db *dynamodb.Client) string {
	t.Helper()
	name := "keys-" + uuid.NewString()[:8]
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(contract.KeysSubject), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(contract.KeysSubject), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return name
}
