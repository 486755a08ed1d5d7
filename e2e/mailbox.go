package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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

// Mailbox reads the mail an emulator recorded instead of sending it. It is
// the one place the suite touches emulator-only data.
type Mailbox interface {
	// Sent returns every mail recorded so far, oldest first.
	Sent(ctx context.Context) ([]Mail, error)
}

// kumoMailbox reads kumo's record of SES v2 mail.
type kumoMailbox struct {
	endpoint string
	client   *http.Client
}

func (m kumoMailbox) Sent(ctx context.Context) ([]Mail, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.endpoint+"/kumo/ses/v2/sent-emails", nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sent mail: %s", resp.Status)
	}
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
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("sent mail: %w", err)
	}
	out := make([]Mail, len(body.SentEmails))
	for i, e := range body.SentEmails {
		out[i] = Mail{ID: e.MessageID, From: e.FromEmailAddress, To: e.Destination.ToAddresses,
			Subject: e.Subject, Text: e.Body, HTML: e.HTMLBody, SentAt: e.SentAt}
	}
	return out, nil
}
