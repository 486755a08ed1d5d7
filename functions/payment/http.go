package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
)

// HTTPProvider is a payment provider reached over HTTP, with the small
// API a card processor has (and the local stack's fault proxy simulates,
// in localstack/faults/payment.go):
//
//	POST {URL}/authorizations {"orderId","amount","method"}, Idempotency-Key: orderId
//	     → 201 {"authorizationId"} | 402 declined | 503 unavailable
//	POST {URL}/authorizations/{orderId}/void,             Idempotency-Key: orderId:void   → 200
//	POST {URL}/authorizations/{orderId}/refund {"amount"}, Idempotency-Key: orderId:refund → 200
//
// Each operation has a key of its own: a processor refuses a key used
// again for another request. Any other 4xx but 408 and 429 is a refusal
// that asking again cannot change, and fails for good; a call that gets no
// answer within Client's timeout, or any other answer, leaves the outcome
// unknown.
type HTTPProvider struct {
	URL    string
	Client *http.Client
}

var _ Provider = (*HTTPProvider)(nil)

// Authorize implements Provider.
func (h *HTTPProvider) Authorize(ctx context.Context, orderID string, amount events.Money, method string) (string, error) {
	var out struct {
		AuthorizationID string `json:"authorizationId"`
	}
	err := h.call(ctx, orderID, "/authorizations", map[string]any{"orderId": orderID, "amount": amount, "method": method}, &out)
	if err == nil && out.AuthorizationID == "" {
		err = errors.New("the payment provider answered without an authorization id")
	}
	return out.AuthorizationID, err
}

// Void implements Provider.
func (h *HTTPProvider) Void(ctx context.Context, orderID string) error {
	return h.call(ctx, orderID+":void", "/authorizations/"+url.PathEscape(orderID)+"/void", map[string]any{}, nil)
}

// Refund implements Provider.
func (h *HTTPProvider) Refund(ctx context.Context, orderID string, amount events.Money) error {
	return h.call(ctx, orderID+":refund", "/authorizations/"+url.PathEscape(orderID)+"/refund", map[string]any{"amount": amount}, nil)
}

func (h *HTTPProvider) call(ctx context.Context, key, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := h.Client.Do(req)
	if err != nil {
		return fmt.Errorf("payment provider: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusPaymentRequired:
		return fmt.Errorf("%w: %s", ErrDeclined, bytes.TrimSpace(answer))
	case resp.StatusCode == http.StatusServiceUnavailable:
		return fmt.Errorf("%w: %s", ErrUnavailable, resp.Status)
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return consumer.Permanent(fmt.Errorf("payment provider refused %s: %s %s", path, resp.Status, bytes.TrimSpace(answer)))
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("payment provider: %s %s", path, resp.Status)
	case out != nil:
		if err := json.Unmarshal(answer, out); err != nil {
			return fmt.Errorf("payment provider: %s: %w", path, err)
		}
	}
	return nil
}
