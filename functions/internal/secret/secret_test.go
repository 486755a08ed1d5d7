package secret_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/secret"
	"github.com/eventshop/eventshop/localstack/emulator/emulatortest"
)

// TestASecretRoundTripsThroughKMSUnderItsKeyAlone runs against the
// emulator's KMS (integration run only). The emulator ignores encryption
// contexts and key policies, so what binds a secret to its subject and its
// reader is checked by the stack tests and on AWS, not here.
func TestASecretRoundTripsThroughKMSUnderItsKeyAlone(t *testing.T) {
	_, cfg := emulatortest.Start(t)
	client := kms.NewFromConfig(cfg)
	key, other := createKey(t, client), createKey(t, client)
	box := secret.NewBox(client, key, "password-reset")
	ctx := context.Background()

	s, err := box.Seal(ctx, "user-1", "the-token")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Ciphertext, []byte("the-token")) || s.Legacy != "" {
		t.Errorf("the secret holds its clear text: %+v", s)
	}
	if got, err := box.Open(ctx, "user-1", s); err != nil || got != "the-token" {
		t.Errorf("Open = %q, %v", got, err)
	}
	var refused smithy.APIError
	if _, err := secret.NewBox(client, other, "password-reset").Open(ctx, "user-1", s); !errors.As(err, &refused) {
		t.Errorf("Open under another key = %v, want KMS to refuse it", err)
	}
	if got, err := box.Open(ctx, "user-1", events.Secret{Legacy: "old"}); err != nil || got != "old" {
		t.Errorf("legacy: %q, %v", got, err)
	}
	if _, err := box.Open(ctx, "user-1", events.Secret{}); !errors.Is(err, secret.ErrMissing) {
		t.Errorf("empty: %v", err)
	}
}

func createKey(t *testing.T, k *kms.Client) string {
	t.Helper()
	out, err := k.CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("eventshop secret test")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}
