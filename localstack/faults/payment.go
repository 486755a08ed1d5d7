package faults

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// PaymentsPath is where the proxy serves a simulated payment provider's
// API: the one functions/payment's HTTPProvider speaks. It decides as the
// payment function's own simulation does, by the payment method
// (card_ok authorizes, card_declined declines, card_unavailable answers
// 503, card_timeout never answers), keeps every authorization it gave,
// and fails the calls its rules choose, as a provider in trouble would:
//
//	curl -X PUT http://127.0.0.1:PORT/_payments/_rules -d '{"failRate":1,"error":"timeout"}'
//	curl http://127.0.0.1:PORT/_payments/authorizations   # every authorization and its state
//
// Point the payment function at it with PAYMENT_PROVIDER=<proxy>/_payments.
const PaymentsPath = "/_payments"

// PaymentRules say which payment calls fail and how.
type PaymentRules struct {
	// FailRate is the share of calls that fail, from 0 to 1.
	FailRate float64 `json:"failRate"`
	// Error is how: "unavailable" (503, the default) or "timeout" (no
	// answer until the caller gives up).
	Error string `json:"error,omitempty"`
}

// Authorization is one the simulated provider gave, and where it is.
type Authorization struct {
	OrderID         string          `json:"orderId"`
	AuthorizationID string          `json:"authorizationId"`
	Amount          json.RawMessage `json:"amount"`
	// State is "authorized", "voided" or "refunded".
	State string `json:"state"`
}

// payments is the simulated provider.
type payments struct {
	mu     sync.Mutex
	rules  PaymentRules
	byID   map[string]*Authorization // by order id, the idempotency key
	calls  int64
	failed int64
}

func newPayments() *payments { return &payments{byID: map[string]*Authorization{}} }

func (p *payments) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, PaymentsPath)
	switch {
	case path == "/_rules":
		p.control(w, r)
		return
	case path == "/authorizations" && r.Method == http.MethodGet:
		p.mu.Lock()
		list := make([]Authorization, 0, len(p.byID))
		for _, a := range p.byID {
			list = append(list, *a)
		}
		p.mu.Unlock()
		slices.SortFunc(list, func(a, b Authorization) int { return strings.Compare(a.OrderID, b.OrderID) })
		writeJSON(w, http.StatusOK, list)
		return
	case r.Method != http.MethodPost:
		http.Error(w, "POST", http.StatusMethodNotAllowed)
		return
	}
	if p.fault(r.Context(), w) {
		return
	}
	var req struct {
		OrderID string          `json:"orderId"`
		Amount  json.RawMessage `json:"amount"`
		Method  string          `json:"method"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch {
	case path == "/authorizations":
		p.authorize(r.Context(), w, r.Header.Get("Idempotency-Key"), req.Amount, req.Method)
	case strings.HasSuffix(path, "/void"):
		p.settle(w, strings.TrimSuffix(strings.TrimPrefix(path, "/authorizations/"), "/void"), "voided")
	case strings.HasSuffix(path, "/refund"):
		p.settle(w, strings.TrimSuffix(strings.TrimPrefix(path, "/authorizations/"), "/refund"), "refunded")
	default:
		http.NotFound(w, r)
	}
}

// fault answers the call as the rules choose, if they choose to fail it.
func (p *payments) fault(ctx context.Context, w http.ResponseWriter) bool {
	p.mu.Lock()
	p.calls++
	fail := rand.Float64() < p.rules.FailRate
	kind := p.rules.Error
	if fail {
		p.failed++
	}
	p.mu.Unlock()
	if !fail {
		return false
	}
	if kind == "timeout" {
		hang(ctx)
		return true
	}
	http.Error(w, "the payment provider is unavailable", http.StatusServiceUnavailable)
	return true
}

// hang answers nothing until the caller gives up, or a minute passes.
func hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(time.Minute):
	}
}

func (p *payments) authorize(ctx context.Context, w http.ResponseWriter, orderID string, amount json.RawMessage, method string) {
	if orderID == "" {
		http.Error(w, "an Idempotency-Key is required", http.StatusBadRequest)
		return
	}
	switch method {
	case "card_ok":
	case "card_unavailable":
		http.Error(w, "the payment provider is unavailable", http.StatusServiceUnavailable)
		return
	case "card_timeout":
		hang(ctx)
		return
	default:
		http.Error(w, "declined", http.StatusPaymentRequired)
		return
	}
	p.mu.Lock()
	a, ok := p.byID[orderID]
	if !ok {
		sum := sha256.Sum256([]byte(orderID))
		a = &Authorization{OrderID: orderID, AuthorizationID: "auth_" + hex.EncodeToString(sum[:12]), Amount: amount, State: "authorized"}
		p.byID[orderID] = a
	}
	id := a.AuthorizationID
	p.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"authorizationId": id})
}

// settle voids or refunds the order's authorization; an order that holds
// none, or one settled before, is answered as done.
func (p *payments) settle(w http.ResponseWriter, orderID, state string) {
	p.mu.Lock()
	if a, ok := p.byID[orderID]; ok && a.State == "authorized" {
		a.State = state
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"state": state})
}

func (p *payments) control(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPut:
		var rules PaymentRules
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rules); err != nil || rules.FailRate < 0 || rules.FailRate > 1 || !slices.Contains([]string{"", "unavailable", "timeout"}, rules.Error) {
			http.Error(w, `want {"failRate": 0..1, "error": "unavailable|timeout"}`, http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.rules = rules
		p.mu.Unlock()
	case http.MethodGet:
	default:
		http.Error(w, "GET or PUT", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"rules": p.rules, "calls": p.calls, "failed": p.failed})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
