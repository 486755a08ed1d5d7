// Package faults puts a proxy between functions and one AWS service of the
// emulator that fails a chosen share of calls — or every call about a
// chosen mail recipient — with the errors AWS itself returns, or lets a
// call through and then loses its answer. Tests and developers inject
// faults at the network edge with it, without test code in the functions:
// a function reaches the service through the proxy because its
// AWS_ENDPOINT_URL_<SERVICE> says so.
//
// The rules are read and changed over HTTP at <proxy>/_faults:
//
//	curl -X PUT http://127.0.0.1:PORT/_faults -d '{"failRate":0.3}'
//	curl -X PUT http://127.0.0.1:PORT/_faults -d '{"loseRate":0.3,"maxPerRecipient":2}'
//	curl -X PUT http://127.0.0.1:PORT/_faults -d '{"bounceFor":["gone@example.com"]}'
//	curl http://127.0.0.1:PORT/_faults   # the rules and what they did
//
// It also stands in for what the emulator's SES does not do: publishing a
// mail's bounce or complaint. A mail sent with a configuration set to an
// address of BounceFor or ComplainFor is accepted, as SES accepts it, and
// then the proxy publishes the hard bounce or the complaint to the default
// event bus, shaped as SES publishes them.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Rules say which calls fail and how.
type Rules struct {
	// FailRate is the share of calls that fail, from 0 to 1.
	FailRate float64 `json:"failRate"`
	// FailFor lists mail recipients for whom every SES call fails.
	FailFor []string `json:"failFor,omitempty"`
	// Error is what a failed call returns: "throttle" (429
	// TooManyRequestsException, the default), "unavailable" (503) or
	// "reject" (400 MessageRejected, which no retry cures).
	Error string `json:"error,omitempty"`
	// LoseRate is the share of calls that the service receives and acts
	// on, but whose answer is lost: the proxy forwards the call, then
	// drops the caller's connection, as a network failing after the
	// request went through would. A caller that retries does the call
	// twice; for SES, which takes no idempotency key, that sends a mail
	// twice.
	LoseRate float64 `json:"loseRate,omitempty"`
	// MaxPerRecipient bounds how many calls about one mail recipient fail
	// or lose their answer; that recipient's further calls pass. Zero
	// means no bound. A test sets it below the queue's receive count to
	// inject a high rate of faults yet know that no message runs out of
	// retries.
	MaxPerRecipient int `json:"maxPerRecipient,omitempty"`
	// BounceFor lists mail recipients whose mail bounces for good.
	BounceFor []string `json:"bounceFor,omitempty"`
	// ComplainFor lists mail recipients who complain of every mail.
	ComplainFor []string `json:"complainFor,omitempty"`
}

// Stats count what the proxy saw and did.
type Stats struct {
	Calls    int64 `json:"calls"`    // every call that reached the proxy
	Injected int64 `json:"injected"` // calls failed without reaching the service
	Lost     int64 `json:"lost"`     // calls the service acted on whose answer was lost
	// Published counts the bounces and complaints published.
	Published int64 `json:"published"`
}

// Publisher puts an event on the emulator's default event bus, as SES
// publishes its sending events.
type Publisher func(ctx context.Context, detailType string, detail []byte) error

// Proxy forwards calls to the emulator, failing those the rules choose.
type Proxy struct {
	URL string

	target *url.URL
	proxy  *httputil.ReverseProxy
	server *http.Server

	publish Publisher
	// payments is the simulated payment provider at PaymentsPath, made
	// on its first call.
	payments     *payments
	paymentsOnce sync.Once

	mu    sync.Mutex
	rules Rules
	stats Stats
	// faulted counts the faults per recipient since the rules were set.
	faulted map[string]int
	// tags are the tags of each mail sent through the proxy, by the
	// message id SES gave it.
	tags map[string]map[string]string
}

// Start listens on a free port of 127.0.0.1 and forwards to target;
// publish puts the bounces and complaints it makes, or nil for none.
func Start(target string, publish Publisher) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + l.Addr().String(), target: u, proxy: httputil.NewSingleHostReverseProxy(u), faulted: map[string]int{}, tags: map[string]map[string]string{}, publish: publish}
	p.server = &http.Server{Handler: p}
	go func() { _ = p.server.Serve(l) }()
	return p, nil
}

// Set replaces the rules, and forgets how often each recipient met a fault.
func (p *Proxy) Set(r Rules) {
	p.mu.Lock()
	p.rules = r
	p.faulted = map[string]int{}
	p.mu.Unlock()
}

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Close stops the proxy.
func (p *Proxy) Close() error { return p.server.Close() }

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := fromThisMachine(r); err != "" {
		http.Error(w, err, http.StatusForbidden)
		return
	}
	if r.URL.Path == "/_faults" {
		p.control(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, PaymentsPath+"/") {
		p.paymentsOnce.Do(func() { p.payments = newPayments() })
		p.payments.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	fault, kind := p.decide(recipients(body))
	switch fault {
	case injected:
		awsError(w, kind)
	case lost:
		p.loseAnswer(w, r)
	default:
		if outcome, to := p.outcomeOf(body); outcome != "" {
			p.deliverThen(w, r, body, outcome, to)
			return
		}
		if tagsOf(body) != nil {
			p.deliverThen(w, r, body, "", "")
			return
		}
		p.proxy.ServeHTTP(w, r)
	}
}

type fault int

const (
	none     fault = iota
	injected       // fail the call without forwarding it
	lost           // forward the call, then lose the answer
)

// decide counts a call to the recipients to and chooses its fault by the
// rules, with the kind of error an injected fault returns.
func (p *Proxy) decide(to []string) (fault, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rules := p.rules
	p.stats.Calls++
	if rules.MaxPerRecipient > 0 && slices.ContainsFunc(to, func(a string) bool { return p.faulted[strings.ToLower(a)] >= rules.MaxPerRecipient }) {
		return none, ""
	}
	f := none
	switch {
	case rand.Float64() < rules.FailRate || (len(rules.FailFor) > 0 && slices.ContainsFunc(to, func(a string) bool {
		return slices.ContainsFunc(rules.FailFor, func(f string) bool { return strings.EqualFold(f, a) })
	})):
		f = injected
		p.stats.Injected++
	case rand.Float64() < rules.LoseRate:
		f = lost
		p.stats.Lost++
	default:
		return none, ""
	}
	for _, a := range to {
		p.faulted[strings.ToLower(a)]++
	}
	return f, rules.Error
}

// loseAnswer forwards the call, waits for the service's answer and then
// closes the caller's connection without a word of it.
func (p *Proxy) loseAnswer(w http.ResponseWriter, r *http.Request) {
	p.proxy.ServeHTTP(discard{header: http.Header{}}, r)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Without the connection, the next best: an answer that is no
		// answer, which the SDK retries as it would a dropped one.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// recipients reads the addresses of an SES v2 SendEmail request.
func recipients(body []byte) []string {
	var req struct {
		Destination struct {
			ToAddresses, CcAddresses, BccAddresses []string
		}
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	d := req.Destination
	return append(append(d.ToAddresses, d.CcAddresses...), d.BccAddresses...)
}

// awsError answers as an AWS REST-JSON service does: the error code in
// X-Amzn-ErrorType, the message in the body.
func awsError(w http.ResponseWriter, kind string) {
	status, code, msg := http.StatusTooManyRequests, "TooManyRequestsException", "Maximum sending rate exceeded."
	switch kind {
	case "unavailable":
		status, code, msg = http.StatusServiceUnavailable, "ServiceUnavailableException", "Service is unavailable. Please try again later."
	case "reject":
		status, code, msg = http.StatusBadRequest, "MessageRejected", "Email address is on the suppression list."
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("X-Amzn-RequestId", fmt.Sprintf("fault-%d", rand.Int64()))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func (p *Proxy) control(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		var rules Rules
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		const want = `want {"failRate": 0..1, "failFor": ["address"], "error": "throttle|unavailable|reject", "loseRate": 0..1, "maxPerRecipient": n, "bounceFor": ["address"], "complainFor": ["address"]}`
		var problem string
		switch err := dec.Decode(&rules); {
		case err != nil:
			problem = err.Error()
		case rules.FailRate < 0 || rules.FailRate > 1:
			problem = "failRate is out of range"
		case rules.LoseRate < 0 || rules.LoseRate > 1:
			problem = "loseRate is out of range"
		case rules.MaxPerRecipient < 0:
			problem = "maxPerRecipient is negative"
		}
		if problem != "" {
			http.Error(w, problem+": "+want, http.StatusBadRequest)
			return
		}
		if !slices.Contains([]string{"", "throttle", "unavailable", "reject"}, rules.Error) {
			http.Error(w, `error must be "throttle", "unavailable" or "reject"`, http.StatusBadRequest)
			return
		}
		p.Set(rules)
	case http.MethodGet:
	default:
		http.Error(w, "GET or PUT", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"rules": p.rules, "stats": p.stats})
}

// fromThisMachine says why r is refused, if it is: the proxy serves the
// programs of this machine — the functions, the runner, curl — and no web
// page. A page's request names its Origin (or Sec-Fetch-Site), which no
// SDK or curl sends; a page that reached 127.0.0.1 under a name of its own
// (DNS rebinding) sends that name as Host.
func fromThisMachine(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	switch {
	case host != "127.0.0.1" && host != "localhost" && host != "[::1]" && host != "::1":
		return "the fault proxy answers at 127.0.0.1 only"
	case r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "":
		return "the fault proxy answers no web page"
	}
	return ""
}
