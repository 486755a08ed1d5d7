package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The outcomes of a mail that the proxy publishes, as SES names them.
const (
	bounced    = "Email Bounced"
	complained = "Email Complaint Received"
)

// sendRequest is what the proxy reads of an SES v2 SendEmail request.
type sendRequest struct {
	FromEmailAddress     string
	ConfigurationSetName string
	Destination          struct{ ToAddresses []string }
	EmailTags            []struct{ Name, Value string }
}

// outcomeOf says whether a call is a send whose mail bounces or is
// complained of, by the rules, and to whom. SES publishes only for mail
// sent with a configuration set.
func (p *Proxy) outcomeOf(body []byte) (outcome, to string) {
	var req sendRequest
	if p.publish == nil || json.Unmarshal(body, &req) != nil || req.ConfigurationSetName == "" {
		return "", ""
	}
	p.mu.Lock()
	rules := p.rules
	p.mu.Unlock()
	for _, addr := range req.Destination.ToAddresses {
		listed := func(list []string) bool {
			return slices.ContainsFunc(list, func(a string) bool { return strings.EqualFold(a, addr) })
		}
		switch {
		case listed(rules.BounceFor):
			return bounced, addr
		case listed(rules.ComplainFor):
			return complained, addr
		}
	}
	return "", ""
}

// deliverThen forwards a send, answers the caller with what SES answered,
// and, if SES took the mail, notes its tags and publishes its bounce or
// complaint, if it has an outcome.
func (p *Proxy) deliverThen(w http.ResponseWriter, r *http.Request, body []byte, outcome, to string) {
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	p.proxy.ServeHTTP(rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
	var answer struct{ MessageId string }
	if rec.status != http.StatusOK || json.Unmarshal(rec.body.Bytes(), &answer) != nil || answer.MessageId == "" {
		return
	}
	p.noteTags(answer.MessageId, tagsOf(body))
	if outcome == "" {
		return
	}
	var req sendRequest
	_ = json.Unmarshal(body, &req) // read before, by outcomeOf
	detail, err := json.Marshal(sesEvent(req, answer.MessageId, outcome, to))
	if err == nil {
		err = p.publish(context.WithoutCancel(r.Context()), outcome, detail)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.stats.Published++
	}
}

// sesEvent is the detail SES publishes of a mail's hard bounce or
// complaint: https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
func sesEvent(req sendRequest, messageID, outcome, to string) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	tags := map[string][]string{"ses:configuration-set": {req.ConfigurationSetName}, "ses:from-domain": {domainOf(req.FromEmailAddress)}}
	for _, t := range req.EmailTags {
		tags[t.Name] = []string{t.Value}
	}
	e := map[string]any{
		"mail": map[string]any{
			"timestamp": now, "source": req.FromEmailAddress, "messageId": messageID,
			"destination": req.Destination.ToAddresses, "headersTruncated": false, "tags": tags,
		},
	}
	if outcome == bounced {
		e["eventType"] = "Bounce"
		e["bounce"] = map[string]any{
			"feedbackId": uuid.NewString(), "bounceType": "Permanent", "bounceSubType": "General", "timestamp": now,
			"bouncedRecipients": []map[string]string{{"emailAddress": to, "action": "failed", "status": "5.1.1",
				"diagnosticCode": "smtp; 550 5.1.1 user unknown (the local fault proxy)"}},
			"reportingMTA": "dns; local-fault-proxy",
		}
	} else {
		e["eventType"] = "Complaint"
		e["complaint"] = map[string]any{
			"feedbackId": uuid.NewString(), "complaintFeedbackType": "abuse", "timestamp": now, "arrivalDate": now,
			"complainedRecipients": []map[string]string{{"emailAddress": to}},
		}
	}
	return e
}

func domainOf(addr string) string {
	_, domain, _ := strings.Cut(addr, "@")
	return domain
}

// recorder keeps an answer to pass it on.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// MailTags returns the tags of a mail sent through the proxy, by the
// message id SES gave it: which user, template and event it was for. It
// returns nil for a mail it did not see.
func (p *Proxy) MailTags(messageID string) map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tags[messageID]
}

// maxTags bounds how many mails' tags the proxy keeps: past it, it
// forgets them all and starts again.
const maxTags = 100_000

func (p *Proxy) noteTags(messageID string, tags map[string]string) {
	if tags == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.tags) >= maxTags {
		p.tags = map[string]map[string]string{}
	}
	p.tags[messageID] = tags
}

// tagsOf reads the tags of an SES v2 SendEmail request, nil if it has none.
func tagsOf(body []byte) map[string]string {
	var req sendRequest
	if json.Unmarshal(body, &req) != nil || len(req.EmailTags) == 0 {
		return nil
	}
	tags := make(map[string]string, len(req.EmailTags))
	for _, t := range req.EmailTags {
		tags[t.Name] = t.Value
	}
	return tags
}
