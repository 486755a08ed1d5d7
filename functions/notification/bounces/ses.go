package main

import (
	"encoding/json"
	"fmt"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/events"
)

// sesEvent is what SES publishes of a mail's bounce or complaint, as the
// detail of an EventBridge event: only what suppression reads of it.
// https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
type sesEvent struct {
	EventType string `json:"eventType"` // "Bounce", "Complaint", …
	Mail      struct {
		MessageID string              `json:"messageId"`
		Tags      map[string][]string `json:"tags"`
	} `json:"mail"`
	Bounce *struct {
		BounceType    string `json:"bounceType"` // Permanent, Transient or Undetermined
		BounceSubType string `json:"bounceSubType"`
	} `json:"bounce"`
	Complaint *struct {
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
}

// readSESEvent reads an EventBridge event of SES's from a queue message's
// body.
func readSESEvent(body string) (sesEvent, error) {
	var eb lambdaevents.EventBridgeEvent
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		return sesEvent{}, fmt.Errorf("not an EventBridge event: %w", err)
	}
	if eb.Source != "aws.ses" {
		return sesEvent{}, fmt.Errorf("an event of %q, not of SES", eb.Source)
	}
	var e sesEvent
	if err := json.Unmarshal(eb.Detail, &e); err != nil {
		return sesEvent{}, fmt.Errorf("not an SES event: %w", err)
	}
	if e.Mail.MessageID == "" {
		return sesEvent{}, fmt.Errorf("an SES event without a mail")
	}
	return e, nil
}

// tag is the first value of one of the mail's tags.
func (e sesEvent) tag(name string) string {
	if v := e.Mail.Tags[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// suppression says whether the event suppresses its recipient, and why:
// a permanent bounce, or a complaint. A transient bounce (a full mailbox,
// say) does not.
func (e sesEvent) suppression() (reason, detail string, suppress bool) {
	switch {
	case e.EventType == "Bounce" && e.Bounce != nil && e.Bounce.BounceType == "Permanent":
		return events.SuppressedForBounce, e.Bounce.BounceSubType, true
	case e.EventType == "Complaint":
		if e.Complaint != nil {
			detail = e.Complaint.ComplaintFeedbackType
		}
		return events.SuppressedForComplaint, detail, true
	}
	return "", "", false
}
