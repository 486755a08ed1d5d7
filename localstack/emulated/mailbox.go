// Package emulated is what differs between the AWS emulators that the
// local console and the end-to-end suite run against: where each records
// the mail it did not send, read through the one small Mailbox interface,
// and how each serves an HTTP API.
package emulated

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Mail is a message the stack sent, as the emulator recorded it.
type Mail struct {
	ID      string
	From    string
	To      []string
	Subject string
	Text    string
	HTML    string
	SentAt  time.Time
}

// Mailbox reads what an emulator recorded.
type Mailbox interface {
	// Sent returns every mail recorded so far.
	Sent(ctx context.Context) ([]Mail, error)
}

// Kumo reads kumo's record of SES v2 mail at /kumo/ses/v2/sent-emails.
type Kumo struct {
	Endpoint string // e.g. http://127.0.0.1:4566
	Client   *http.Client
}

// Sent implements Mailbox.
func (k Kumo) Sent(ctx context.Context) ([]Mail, error) {
	var body struct {
		SentEmails []struct {
			MessageID        string `json:"MessageId"`
			FromEmailAddress string
			Destination      struct{ ToAddresses []string }
			Subject          string
			Body             string
			HTMLBody         string
			SentAt           time.Time
		}
	}
	if err := getJSON(ctx, k.Client, k.Endpoint+"/kumo/ses/v2/sent-emails", &body); err != nil {
		return nil, err
	}
	out := make([]Mail, len(body.SentEmails))
	for i, e := range body.SentEmails {
		out[i] = Mail{ID: e.MessageID, From: e.FromEmailAddress, To: e.Destination.ToAddresses,
			Subject: e.Subject, Text: e.Body, HTML: e.HTMLBody, SentAt: e.SentAt}
	}
	return out, nil
}

// LocalStack reads LocalStack's record of SES mail at /_aws/ses.
type LocalStack struct {
	Endpoint string // e.g. http://127.0.0.1:4566
	Client   *http.Client
}

// Sent implements Mailbox.
func (l LocalStack) Sent(ctx context.Context) ([]Mail, error) {
	var body struct {
		Messages []struct {
			ID          string `json:"Id"`
			Source      string
			Destination struct{ ToAddresses []string }
			Subject     string
			Body        struct {
				Text *string `json:"text_part"`
				HTML *string `json:"html_part"`
			}
			Timestamp string
		} `json:"messages"`
	}
	if err := getJSON(ctx, l.Client, l.Endpoint+"/_aws/ses", &body); err != nil {
		return nil, err
	}
	out := make([]Mail, len(body.Messages))
	for i, m := range body.Messages {
		out[i] = Mail{ID: m.ID, From: m.Source, To: m.Destination.ToAddresses, Subject: m.Subject, SentAt: localStackTime(m.Timestamp)}
		if m.Body.Text != nil {
			out[i].Text = *m.Body.Text
		}
		if m.Body.HTML != nil {
			out[i].HTML = *m.Body.HTML
		}
	}
	return out, nil
}

// localStackTime reads LocalStack's timestamps, which are UTC without a
// zone, and sometimes with one.
func localStackTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("sent mail: GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("sent mail: GET %s: %w", url, err)
	}
	return nil
}

// LocalStackAPIHost is the Host under which LocalStack serves the HTTP API
// that a stack's ApiUrl output names (https://<apiId>.execute-api.…/).
// Requests go to the LocalStack endpoint with that Host, so they need no
// DNS for *.localhost.localstack.cloud.
func LocalStackAPIHost(endpoint, apiURL string) (string, error) {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("ApiUrl %q is not a URL", apiURL)
	}
	apiID, _, _ := strings.Cut(u.Host, ".")
	e, err := url.Parse(endpoint)
	if err != nil || e.Host == "" {
		return "", fmt.Errorf("endpoint %q is not a URL", endpoint)
	}
	port := e.Port()
	if port == "" {
		port = "4566"
	}
	return apiID + ".execute-api.localhost.localstack.cloud:" + port, nil
}
