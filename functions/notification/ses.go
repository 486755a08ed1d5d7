package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SES is the part of the SES v2 client the mailer uses.
type SES interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// sesMailer sends mail through SES v2 from one verified identity.
type sesMailer struct {
	client SES
	from   string
}

var _ Mailer = (*sesMailer)(nil)

func (m *sesMailer) Send(ctx context.Context, mail Mail) (string, error) {
	utf8 := aws.String("UTF-8")
	out, err := m.client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: []string{mail.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(mail.Subject), Charset: utf8},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String(mail.Text), Charset: utf8},
				Html: &types.Content{Data: aws.String(mail.HTML), Charset: utf8},
			},
		}},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.MessageId), nil
}
