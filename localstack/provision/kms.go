package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/eventshop/eventshop/localstack/template"
)

// kmsKey creates a symmetric KMS key with its policy. The emulator keeps
// the policy but enforces none of it, nor any IAM policy, and ignores
// encryption contexts: locally, the key encrypts and decrypts for anyone.
// The stack tests check the policies and grants instead; see the README's
// security model.
func (d *Deployer) kmsKey(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	in := &kms.CreateKeyInput{
		Description: optional(p.str("Description")),
		Policy:      optional(p.jsonText("KeyPolicy")),
	}
	if usage := p.str("KeyUsage"); usage != "" {
		in.KeyUsage = kmstypes.KeyUsageType(usage)
	}
	if spec := p.str("KeySpec"); spec != "" {
		in.KeySpec = kmstypes.KeySpec(spec)
	}
	var key *kmstypes.KeyMetadata
	if prev, ok := d.Adopt[id]; ok {
		kept, err := d.adoptKey(ctx, prev, in.Policy)
		if ok, err := d.tookOver(id, err); err != nil {
			return Resource{}, err
		} else if ok {
			key = kept
		}
	}
	if key == nil {
		out, err := d.kms.CreateKey(ctx, in)
		if err != nil {
			return Resource{}, err
		}
		key = out.KeyMetadata
	}
	keyID := aws.ToString(key.KeyId)
	// The emulator has no key rotation (no EnableKeyRotation), and keys
	// never age there anyway.
	p.notEmulated("EnableKeyRotation", "PendingWindowInDays", "RotationPeriodInDays", "Enabled", "MultiRegion", "Tags")
	return Resource{PhysicalID: keyID, Attrs: map[string]string{"Arn": aws.ToString(key.Arn), "KeyId": keyID}}, nil
}
