package faults_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/eventshop/eventshop/localstack/faults"
)

type published struct {
	detailType string
	detail     map[string]any
}

func TestAMailToABouncingOrComplainingAddressIsTakenAndThenPublishedAsSESWould(t *testing.T) {
	var mu sync.Mutex
	var got []published
	p, err := faults.Start(backend(t).URL, func(_ context.Context, detailType string, detail []byte) error {
		var d map[string]any
		if err := json.Unmarshal(detail, &d); err != nil {
			t.Error(err)
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, published{detailType, d})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	p.Set(faults.Rules{BounceFor: []string{"gone@example.com"}, ComplainFor: []string{"angry@example.com"}})
	c := ses(p.URL)
	sendWith := func(to, configurationSet string) {
		t.Helper()
		in := &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("shop@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{to}},
			EmailTags:        []types.MessageTag{{Name: aws.String("eventshop-user-id"), Value: aws.String("u-1")}},
			Content:          &types.EmailContent{Simple: &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}},
		}
		if configurationSet != "" {
			in.ConfigurationSetName = aws.String(configurationSet)
		}
		out, err := c.SendEmail(context.Background(), in)
		if err != nil || aws.ToString(out.MessageId) != "m-1" {
			t.Fatalf("send to %s: %v", to, err)
		}
	}
	sendWith("gone@example.com", "mail")
	sendWith("angry@example.com", "mail")
	sendWith("fine@example.com", "mail")
	sendWith("gone@example.com", "") // SES publishes only for a configuration set

	if len(got) != 2 || p.Stats().Published != 2 {
		t.Fatalf("published %v", got)
	}
	for i, want := range []struct{ detailType, eventType, kind string }{
		{"Email Bounced", "Bounce", "bounce"},
		{"Email Complaint Received", "Complaint", "complaint"},
	} {
		e := got[i]
		mail, _ := e.detail["mail"].(map[string]any)
		tags, _ := mail["tags"].(map[string]any)
		if e.detailType != want.detailType || e.detail["eventType"] != want.eventType || e.detail[want.kind] == nil ||
			mail["messageId"] != "m-1" || tags["eventshop-user-id"].([]any)[0] != "u-1" || tags["ses:configuration-set"].([]any)[0] != "mail" {
			t.Errorf("published %s: %v", e.detailType, e.detail)
		}
	}
	if b := got[0].detail["bounce"].(map[string]any); b["bounceType"] != "Permanent" {
		t.Errorf("bounce %v", b)
	}
}

func TestTheTagsOfEachMailSentThroughTheProxyAreKeptByItsMessageID(t *testing.T) {
	p, err := faults.Start(backend(t).URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if tags := p.MailTags("m-1"); tags != nil {
		t.Fatalf("tags before any mail: %v", tags)
	}
	_, err = ses(p.URL).SendEmail(context.Background(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("shop@example.com"),
		Destination:      &types.Destination{ToAddresses: []string{"ada@example.com"}},
		EmailTags:        []types.MessageTag{{Name: aws.String("eventshop-event-id"), Value: aws.String("e-1")}},
		Content:          &types.EmailContent{Simple: &types.Message{Subject: &types.Content{Data: aws.String("s")}, Body: &types.Body{Text: &types.Content{Data: aws.String("b")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.MailTags("m-1")["eventshop-event-id"]; got != "e-1" {
		t.Errorf("the event id tag of m-1 = %q, want e-1", got)
	}
}
