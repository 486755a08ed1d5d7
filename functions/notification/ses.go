package main

import (
	"context"
	"regexp"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/eventshop/eventshop/contract"
)

// SES is the part of the SES v2 client the mailer uses.
type SES interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// sesMailer sends mail through SES v2 from one verified identity, with
// the configuration set that publishes its bounces and complaints, and
// tags that say whom each mail went to and why, which SES hands back with
// them.
type sesMailer struct {
	client           SES
	from             string
	configurationSet string
}

var _ Mailer = (*sesMailer)(nil)

func (m *sesMailer) Send(ctx context.Context, mail Mail) (string, error) {
	utf8 := aws.String("UTF-8")
	out, err := m.client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress:     aws.String(m.from),
		ConfigurationSetName: aws.String(m.configurationSet),
		EmailTags: []types.MessageTag{
			{Name: aws.String(contract.MailTagUserID), Value: aws.String(mail.UserID)},
			{Name: aws.String(contract.MailTagTemplate), Value: aws.String(mail.Template)},
			{Name: aws.String(contract.MailTagEventID), Value: aws.String(mail.EventID)},
		},
		Destination: &types.Destination{ToAddresses: []string{mail.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(mail.Subject), Charset: utf8},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String(mail.Text), Charset: utf8},
				Html: &types.Content{Data: aws.String(mail.HTML), Charset: utf8},
			},
		}},
	})
	if err != nil {
		return "", maskAddresses(err)
	}
	return aws.ToString(out.MessageId), nil
}

// emailAddress matches what looks like an email address in free text.
// It is compiled on the first error, not at every cold start.
var emailAddress = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`)
})

// maskAddresses hides the email addresses in err's text — SES names the
// recipient when it rejects a message, and the text ends up in logs and
// dead-letter reasons — and keeps err itself for errors.Is and errors.As,
// which decide whether the send is retried.
func maskAddresses(err error) error {
	text := err.Error()
	masked := emailAddress().ReplaceAllStringFunc(text, maskEmail)
	if masked == text {
		return err
	}
	return &maskedError{err: err, text: masked}
}

// maskedError is an error whose text hides what the error it wraps says.
type maskedError struct {
	err  error
	text string
}

func (e *maskedError) Error() string { return e.text }
func (e *maskedError) Unwrap() error { return e.err }
