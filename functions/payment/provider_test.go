package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/localstack/faults"
)

// TestEveryProviderKeepsTheContract runs one contract suite against the
// simulation inside the function and against the HTTP client talking to
// the local stack's simulated provider API (the fault proxy's).
func TestEveryProviderKeepsTheContract(t *testing.T) {
	proxy, err := faults.Start("http://127.0.0.1:1", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	timeout := 200 * time.Millisecond
	for name, p := range map[string]Provider{
		"simulated": Simulated{Timeout: timeout},
		"http":      &HTTPProvider{URL: proxy.URL + faults.PaymentsPath, Client: &http.Client{Timeout: timeout}},
	} {
		t.Run(name, func(t *testing.T) { providerContract(t, p) })
	}
}

func providerContract(t *testing.T, p Provider) {
	ctx := context.Background()
	amount := events.Money{AmountMinor: 4248, Currency: "EUR"}
	t.Run("an authorization is the same however often it is asked", func(t *testing.T) {
		id := uuid.NewString()
		first, err := p.Authorize(ctx, id, amount, MethodOK)
		if err != nil || first == "" {
			t.Fatalf("%q, %v", first, err)
		}
		if again, err := p.Authorize(ctx, id, amount, MethodOK); err != nil || again != first {
			t.Errorf("asked again: %q, %v; want %q", again, err, first)
		}
		if other, _ := p.Authorize(ctx, uuid.NewString(), amount, MethodOK); other == first {
			t.Error("two orders got one authorization")
		}
	})
	t.Run("voiding and refunding twice, or what holds nothing, is no error", func(t *testing.T) {
		id := uuid.NewString()
		for range 2 {
			if err := p.Void(ctx, id); err != nil {
				t.Error(err)
			}
			if err := p.Refund(ctx, id, amount); err != nil {
				t.Error(err)
			}
		}
	})
	for _, tc := range []struct {
		method string
		want   error // nil: an error that is neither, the outcome unknown
	}{
		{MethodDeclined, ErrDeclined},
		{"", ErrDeclined},
		{MethodUnavailable, ErrUnavailable},
		{MethodTimeout, nil},
	} {
		t.Run("method "+tc.method, func(t *testing.T) {
			_, err := p.Authorize(ctx, uuid.NewString(), amount, tc.method)
			switch {
			case err == nil:
				t.Fatal("authorized")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("%v, want %v", err, tc.want)
			case tc.want == nil && (errors.Is(err, ErrDeclined) || errors.Is(err, ErrUnavailable)):
				t.Errorf("%v: a provider that did not answer said no", err)
			}
		})
	}
}

// A processor refuses a key used again for another request: each of the
// HTTP provider's operations sends a key of its own; and a refusal that
// asking again cannot change fails for good, while 408 and 429 may pass.
func TestTheHTTPProviderKeysEachOperationAndFailsForGoodOnARefusal(t *testing.T) {
	var keys []string
	status := http.StatusOK
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"authorizationId":"auth_1"}`)
	}))
	t.Cleanup(server.Close)
	p := &HTTPProvider{URL: server.URL, Client: server.Client()}
	ctx, amount := context.Background(), events.Money{AmountMinor: 1, Currency: "EUR"}

	_, _ = p.Authorize(ctx, "o1", amount, MethodOK)
	_ = p.Void(ctx, "o1")
	_ = p.Refund(ctx, "o1", amount)
	if want := []string{"o1", "o1:void", "o1:refund"}; !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	for code, permanent := range map[int]bool{400: true, 404: true, 409: true, 422: true, 408: false, 429: false, 500: false} {
		status = code
		if err := p.Void(ctx, "o1"); err == nil || consumer.IsPermanent(err) != permanent {
			t.Errorf("a void answered %d: %v, want permanent %v", code, err, permanent)
		}
	}
}
