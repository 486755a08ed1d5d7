// Package secret encrypts a secret for its one reader: with a KMS key
// whose policy lets the writer encrypt and only the reader decrypt, bound
// by the encryption context to what it is for and whom it is about, which
// KMS checks on Decrypt and CloudTrail logs. A password reset token goes
// from the user function to the notification function so, through the
// event store, the bus and the queues, none of which can read it.
package secret

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
)

// ErrMissing means a secret holds neither a ciphertext nor legacy clear
// text: there is nothing to decrypt.
var ErrMissing = errors.New("secret: no ciphertext")

// KMS is the part of the KMS client a box calls.
type KMS interface {
	Encrypt(ctx context.Context, in *kms.EncryptInput, opts ...func(*kms.Options)) (*kms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

var _ KMS = (*kms.Client)(nil)

// Box encrypts and decrypts the secrets of one purpose under one KMS key.
// It is safe for concurrent use.
type Box struct {
	kms     KMS
	key     string
	purpose string
}

// NewBox returns the box of a purpose (contract.PurposePasswordReset)
// under a KMS key, by ARN.
func NewBox(k KMS, keyARN, purpose string) *Box {
	return &Box{kms: k, key: keyARN, purpose: purpose}
}

func (b *Box) encryptionContext(subject string) map[string]string {
	return map[string]string{contract.KMSContextPurpose: b.purpose, contract.KMSContextSubject: subject}
}

// Seal encrypts the secret of a subject (a user id).
func (b *Box) Seal(ctx context.Context, subject, secret string) (events.Secret, error) {
	out, err := b.kms.Encrypt(ctx, &kms.EncryptInput{
		KeyId:             aws.String(b.key),
		Plaintext:         []byte(secret),
		EncryptionContext: b.encryptionContext(subject),
	})
	if err != nil {
		return events.Secret{}, fmt.Errorf("encrypt the %s secret of %s: %w", b.purpose, subject, err)
	}
	return events.Secret{Ciphertext: out.CiphertextBlob}, nil
}

// Open decrypts the secret of a subject. Legacy clear text, upcast from
// before secrets were encrypted, is returned as it is.
func (b *Box) Open(ctx context.Context, subject string, s events.Secret) (string, error) {
	if len(s.Ciphertext) == 0 {
		if s.Legacy != "" {
			return s.Legacy, nil
		}
		return "", ErrMissing
	}
	out, err := b.kms.Decrypt(ctx, &kms.DecryptInput{
		KeyId:             aws.String(b.key),
		CiphertextBlob:    s.Ciphertext,
		EncryptionContext: b.encryptionContext(subject),
	})
	if err != nil {
		return "", fmt.Errorf("decrypt the %s secret of %s: %w", b.purpose, subject, err)
	}
	return string(out.Plaintext), nil
}
