package console

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/dlq"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/flow"
	"github.com/eventshop/eventshop/localstack/emulated"
)

// flowView is a flow's causal tree and the mail its events caused.
type flowView struct {
	flow.Flow
	Mail []mailItem `json:"mail"`
}

// flow serves a correlation id's causal tree, from the event store.
func (c *Console) flow(w http.ResponseWriter, r *http.Request) {
	if c.opts.Store == nil {
		writeJSON(w, nil, errors.New("the stack has no event store"))
		return
	}
	id := strings.TrimSpace(r.PathValue("id"))
	records, err := c.opts.Store.ByCorrelation(r.Context(), id)
	if err == nil {
		records, err = eventstore.Latest(records)
	}
	if err != nil {
		writeJSON(w, nil, err)
		return
	}
	v := flowView{Flow: flow.Tree(id, records), Mail: []mailItem{}}
	ids := map[string]bool{}
	for _, r := range records {
		ids[r.Envelope.EventID] = true
	}
	if mails, err := c.mailItems(r.Context()); err == nil {
		for _, m := range mails {
			if ids[m.EventID] {
				v.Mail = append(v.Mail, m)
			}
		}
	}
	writeJSON(w, v, nil)
}

// mailItem is a mail as the mailbox lists it, with the event it was sent
// for, if the fault proxy saw it go.
type mailItem struct {
	ID            string    `json:"id"`
	From          string    `json:"from"`
	To            []string  `json:"to"`
	Subject       string    `json:"subject"`
	SentAt        time.Time `json:"sentAt"`
	Template      string    `json:"template,omitempty"`
	EventID       string    `json:"eventId,omitempty"`
	EventType     string    `json:"eventType,omitempty"`
	CorrelationID string    `json:"correlationId,omitempty"`
	Text          string    `json:"text,omitempty"`
	HasHTML       bool      `json:"hasHtml"`
}

// mailItems reads the mailbox, newest first, each linked to its event.
func (c *Console) mailItems(ctx context.Context) ([]mailItem, error) {
	if c.opts.Mailbox == nil {
		return nil, errors.New("the stack has no mailbox")
	}
	sent, err := c.opts.Mailbox.Sent(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]mailItem, len(sent))
	for i, m := range sent {
		out[i] = c.item(m)
	}
	slices.SortStableFunc(out, func(a, b mailItem) int { return b.SentAt.Compare(a.SentAt) })
	return out, nil
}

func (c *Console) item(m emulated.Mail) mailItem {
	it := mailItem{ID: m.ID, From: m.From, To: m.To, Subject: m.Subject, SentAt: m.SentAt, HasHTML: m.HTML != ""}
	if c.opts.MailTags != nil {
		tags := c.opts.MailTags(m.ID)
		it.EventID, it.Template = tags[contract.MailTagEventID], tags[contract.MailTagTemplate]
	}
	if e, ok := c.log.byEventID(it.EventID); ok {
		it.EventType, it.CorrelationID = e.Type, e.CorrelationID
	}
	return it
}

// mails serves the mailbox, newest first, ?q= an address or a part of one.
func (c *Console) mails(w http.ResponseWriter, r *http.Request) {
	items, err := c.mailItems(r.Context())
	if err != nil {
		writeJSON(w, nil, err)
		return
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	found := []mailItem{}
	for _, it := range items {
		if q == "" || slices.ContainsFunc(it.To, func(a string) bool { return strings.Contains(strings.ToLower(a), q) }) ||
			strings.Contains(strings.ToLower(it.From), q) {
			found = append(found, it)
		}
	}
	writeJSON(w, map[string]any{"mail": found[:min(len(found), 500)], "total": len(found)}, nil)
}

// find reads one mail of the mailbox.
func (c *Console) find(ctx context.Context, id string) (emulated.Mail, bool, error) {
	if c.opts.Mailbox == nil {
		return emulated.Mail{}, false, errors.New("the stack has no mailbox")
	}
	sent, err := c.opts.Mailbox.Sent(ctx)
	if err != nil {
		return emulated.Mail{}, false, err
	}
	i := slices.IndexFunc(sent, func(m emulated.Mail) bool { return m.ID == id })
	if i < 0 {
		return emulated.Mail{}, false, nil
	}
	return sent[i], true, nil
}

// mail serves one mail with its text part; its HTML is at /mail/{id}.
func (c *Console) mail(w http.ResponseWriter, r *http.Request) {
	m, ok, err := c.find(r.Context(), r.PathValue("id"))
	if err == nil && !ok {
		http.Error(w, "no such mail", http.StatusNotFound)
		return
	}
	it := c.item(m)
	it.Text = m.Text
	writeJSON(w, it, err)
}

// mailPolicy is the Content-Security-Policy of a mail's HTML: its inline
// style and inline images, no script, nothing loaded from anywhere, and a
// sandbox of its own, whatever frame shows it.
const mailPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

// mailHTML serves a mail's HTML part, for a sandboxed frame.
func (c *Console) mailHTML(w http.ResponseWriter, r *http.Request) {
	m, ok, err := c.find(r.Context(), r.PathValue("id"))
	switch {
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	case !ok:
		http.Error(w, "no such mail", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Security-Policy", mailPolicy)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if m.HTML == "" {
		_, _ = w.Write([]byte("<p><i>This mail has no HTML part.</i></p>"))
		return
	}
	_, _ = w.Write([]byte(m.HTML))
}

// queueView is a dead-letter queue with the queue it drains back to.
type queueView struct {
	dlq.Queue
	SourceDepth int            `json:"sourceDepth"` // -1 for a queue without a source
	Depth       int            `json:"depth"`
	OldestNs    time.Duration  `json:"oldestNs"`
	Reasons     map[string]int `json:"reasons"`
	Entries     []deadLetter   `json:"entries"`
	Error       string         `json:"error,omitempty"`
	Redrivable  bool           `json:"redrivable"`
}

// deadLetter is a dead-lettered message, as the Queues view lists it.
type deadLetter struct {
	MessageID string        `json:"messageId"`
	EventType string        `json:"eventType"`
	EventID   string        `json:"eventId"`
	Reason    string        `json:"reason"`
	AgeNs     time.Duration `json:"ageNs"`
	Receives  string        `json:"receives"`
}

// shownDeadLetters is how many of each queue's dead letters the view shows.
const shownDeadLetters = 20

// queues serves every dead-letter queue of the stack, with its source's
// depth, as evctl dlq list reads them.
func (c *Console) queues(w http.ResponseWriter, r *http.Request) {
	if c.opts.Queues == nil {
		writeJSON(w, nil, errors.New("no SQS client"))
		return
	}
	all := dlq.QueuesOf(c.opts.Outputs)
	out := make([]queueView, len(all))
	for i, q := range all {
		v := queueView{Queue: q, SourceDepth: -1, Reasons: map[string]int{}, Entries: []deadLetter{}, Redrivable: q.Kind != dlq.KindRelay}
		var errs []error
		if q.Source != "" {
			n, err := dlq.Depth(r.Context(), c.opts.Queues, q.Source)
			v.SourceDepth = n
			errs = append(errs, err)
		}
		sum, err := dlq.List(r.Context(), c.opts.Queues, q.URL, shownDeadLetters)
		errs = append(errs, err)
		v.Depth, v.OldestNs = sum.Count, sum.Oldest
		if sum.Reasons != nil {
			v.Reasons = sum.Reasons
		}
		for _, e := range sum.Entries {
			v.Entries = append(v.Entries, deadLetter{MessageID: e.MessageID, EventType: e.EventType, EventID: e.EventID, Reason: e.Reason, AgeNs: e.Age, Receives: e.Receives})
		}
		if err := errors.Join(errs...); err != nil {
			v.Error = err.Error()
		}
		out[i] = v
	}
	writeJSON(w, out, nil)
}

// redrive moves a dead-letter queue's messages back, as evctl dlq redrive
// does, and says how many it moved.
func (c *Console) redrive(w http.ResponseWriter, r *http.Request) {
	all := dlq.QueuesOf(c.opts.Outputs)
	q, ok := dlq.Find(all, r.PathValue("name"))
	if !ok || c.opts.Queues == nil {
		http.Error(w, "no such dead-letter queue", http.StatusNotFound)
		return
	}
	moved, where, err := dlq.RedriveQueue(r.Context(), c.opts.Queues, q, all)
	res := map[string]any{"name": q.Name, "moved": moved, "where": where}
	if err != nil {
		res["error"] = err.Error()
	}
	writeJSON(w, res, nil)
}

// faults passes a read or a change of the rules to the fault proxy, which
// checks them.
func (c *Console) faults(w http.ResponseWriter, r *http.Request) {
	if c.opts.FaultsURL == "" {
		writeJSON(w, nil, errors.New("the stack has no fault proxy"))
		return
	}
	target, err := url.Parse(c.opts.FaultsURL)
	if err != nil {
		writeJSON(w, nil, err)
		return
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL = target
		pr.Out.Host = target.Host
		// The console, which checked the page's request, asks the proxy
		// itself: the proxy answers no web page, and would refuse the
		// page's own headers.
		for name := range pr.Out.Header {
			if name == "Origin" || name == "Referer" || name == "Cookie" || strings.HasPrefix(name, "Sec-") {
				pr.Out.Header.Del(name)
			}
		}
		pr.Out.Header.Del("X-Console")
	}}
	proxy.ServeHTTP(w, r)
}
