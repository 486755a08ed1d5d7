package provision

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/eventshop/eventshop/localstack/template"
)

// emailIdentity creates a verified-to-be sender identity.
func (d *Deployer) emailIdentity(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	identity := p.str("EmailIdentity")
	kept := false
	if prev, ok := d.Adopt[id]; ok && prev == identity {
		var err error
		if kept, err = d.tookOver(id, d.adoptIdentity(ctx, identity)); err != nil {
			return Resource{}, err
		}
	}
	if !kept {
		if _, err := d.ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(identity)}); err != nil {
			return Resource{}, err
		}
	}
	p.notEmulated("ConfigurationSetAttributes", "DkimAttributes", "DkimSigningAttributes", "FeedbackAttributes", "MailFromAttributes")
	return Resource{PhysicalID: identity}, nil
}

// configurationSet creates the configuration set mail is sent with. The
// emulator keeps its name, so that a send that names it is accepted, and
// neither suppresses nor keeps reputation metrics.
func (d *Deployer) configurationSet(ctx context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	name := p.str("Name")
	if name == "" {
		name = d.physicalName(id, 64)
	}
	kept := false
	if prev, ok := d.Adopt[id]; ok && (p.str("Name") == "" || prev == name) {
		var err error
		if kept, err = d.tookOver(id, d.adoptConfigurationSet(ctx, prev)); err != nil {
			return Resource{}, err
		}
		if kept {
			name = prev
		}
	}
	if !kept {
		if _, err := d.ses.CreateConfigurationSet(ctx, &sesv2.CreateConfigurationSetInput{ConfigurationSetName: aws.String(name)}); err != nil {
			return Resource{}, err
		}
	}
	p.notEmulated("SuppressionOptions", "ReputationOptions", "SendingOptions", "DeliveryOptions", "TrackingOptions", "VdmOptions", "Tags")
	return Resource{PhysicalID: name}, nil
}

// configurationSetEventDestination is recorded only: the emulator
// publishes no sending events. The local runner's fault proxy stands in
// for it, publishing a bounce or a complaint, as SES would, for the
// addresses its rules name.
func (d *Deployer) configurationSetEventDestination(_ context.Context, id string, _ template.Resource, p *props) (Resource, error) {
	p.notEmulated("ConfigurationSetName", "EventDestination")
	d.note("AWS::SES::ConfigurationSetEventDestination", "the fault proxy publishes bounces and complaints")
	return Resource{PhysicalID: id}, nil
}
