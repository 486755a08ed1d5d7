package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/localstack/faults"
)

// placeWith places an order of qty of sku at 10.00 EUR each, paid with
// method.
func placeWith(t testing.TB, userID, sku string, qty int, method string) order {
	t.Helper()
	body := map[string]any{"userId": userID, "currency": "EUR", "paymentMethod": method,
		"items": []lineItem{{SKU: sku, Quantity: qty, UnitPriceCents: 1000}}}
	return decode[order](t, call(t, http.MethodPost, "/orders", body), http.StatusCreated)
}

// streamOf waits until the stream holds at least want events, and
// returns them at their types' latest versions.
func streamOf(t testing.TB, stream contract.Stream, id string, want int) []events.Envelope {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		records, err := eventStore().Load(context.Background(), stream.ID(id), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) >= want || time.Now().After(deadline) {
			var out []events.Envelope
			for _, r := range records {
				env, err := events.Upcast(r.Envelope)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, env)
			}
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func typesOf(envs []events.Envelope) []string {
	var out []string
	for _, e := range envs {
		out = append(out, e.EventType)
	}
	return out
}

func TestThePaymentOfAnOrderIsAuthorizedOrDeclinedByItsMethod(t *testing.T) {
	u := customer(t, "Barbara")
	sku := newSKU("CHAIR")
	setStock(t, sku, 100)
	for _, tc := range []struct {
		method, want, reason string
	}{
		{"card_ok", events.TypePaymentAuthorized, ""},
		{"card_declined", events.TypePaymentDeclined, events.DeclinedByProvider},
		{"card_unavailable", events.TypePaymentDeclined, events.ProviderUnavailable},
	} {
		t.Run(tc.method, func(t *testing.T) {
			o := placeWith(t, u.UserID, sku, 1, tc.method)
			got := streamOf(t, contract.PaymentStream, o.OrderID, 1)
			if len(got) == 0 || got[0].EventType != tc.want {
				t.Fatalf("payment stream = %v, want %s first", typesOf(got), tc.want)
			}
			if tc.reason != "" {
				if d, err := events.Decode[events.PaymentDeclined](got[0]); err != nil || d.Reason != tc.reason {
					t.Errorf("declined = %+v, %v; want reason %s", d, err, tc.reason)
				}
			}
			if got[0].Metadata.CausationID == "" || got[0].Metadata.CorrelationID == "" {
				t.Errorf("a payment event outside the order's flow: %+v", got[0].Metadata)
			}
		})
	}
}

// paymentsAPI is the fault proxy's simulated payment provider.
func paymentsAPI() string {
	return strings.TrimSuffix(output(contract.OutputFaultsURL), "/_faults") + faults.PaymentsPath
}

// setPaymentFaults sets the simulated provider's rules.
func setPaymentFaults(t *testing.T, rules string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, paymentsAPI()+"/_rules", strings.NewReader(rules))
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %s", rules, resp.Status)
	}
}

// providerLedger reads every authorization the simulated provider gave,
// by order id.
func providerLedger(t *testing.T) map[string]faults.Authorization {
	t.Helper()
	resp, err := httpClient.Get(paymentsAPI() + "/authorizations")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []faults.Authorization
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	out := map[string]faults.Authorization{}
	for _, a := range list {
		out[a.OrderID] = a
	}
	return out
}

// With the payment function talking to a provider over HTTP through the
// fault proxy, a provider that answers 503 rejects the order as
// payment_unavailable, one that never answers lets it expire, and what it
// authorized is, at the provider, held by a confirmed order, voided
// or refunded.
func TestAProviderInTroubleRejectsOrExpiresTheOrderAndKeepsNothing(t *testing.T) {
	payment := localHost(t, "payment")
	paymentQueue := output(contract.QueueOutput(string(contract.Payment)))
	waitDrained(t, paymentQueue, 2*time.Minute)
	if err := payment.SetEnv(context.Background(), map[string]string{string(contract.EnvPaymentProvider): paymentsAPI()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		setPaymentFaults(t, `{"failRate":0}`)
		waitDrained(t, paymentQueue, 2*time.Minute)
		if err := payment.SetEnv(context.Background(), map[string]string{string(contract.EnvPaymentProvider): contract.SimulatedProvider}); err != nil {
			t.Error(err)
		}
	})
	u := customer(t, "Grace")
	sku := newSKU("DISK")
	setStock(t, sku, 100)

	setPaymentFaults(t, `{"failRate":1,"error":"unavailable"}`)
	down := waitForStatus(t, placeWith(t, u.UserID, sku, 1, "card_ok").OrderID, "REJECTED")
	if down.Reason != events.RejectedPaymentUnavailable {
		t.Errorf("with the provider answering 503: %s %s", down.Status, down.Reason)
	}

	setPaymentFaults(t, `{"failRate":1,"error":"timeout"}`)
	slow := placeWith(t, u.UserID, sku, 1, "card_ok")
	if o := waitForStatus(t, slow.OrderID, "EXPIRED"); o.EndedAt.Sub(o.PlacedAt) > orderDeadline(t)+8*time.Second {
		t.Errorf("expired %v after it was placed", o.EndedAt.Sub(o.PlacedAt))
	}
	// The provider is back: the expiry's void goes through.
	setPaymentFaults(t, `{"failRate":0}`)
	finalTypes(t, contract.PaymentStream, slow.OrderID, events.TypePaymentVoided)

	kept := waitForStatus(t, placeWith(t, u.UserID, sku, 1, "card_ok").OrderID, "CONFIRMED")
	refunded := waitForStatus(t, placeWith(t, u.UserID, sku, 1, "card_ok").OrderID, "CONFIRMED")
	decode[order](t, call(t, http.MethodPost, "/orders/"+refunded.OrderID+"/cancel", nil), http.StatusOK)
	finalTypes(t, contract.PaymentStream, refunded.OrderID, events.TypePaymentRefunded)

	ledger := providerLedger(t)
	for id, want := range map[string]string{kept.OrderID: "authorized", refunded.OrderID: "refunded"} {
		if got := ledger[id].State; got != want {
			t.Errorf("the provider holds order %s's authorization as %q, want %q", id, got, want)
		}
	}
	for _, id := range []string{down.OrderID, slow.OrderID} {
		if a, ok := ledger[id]; ok && a.State == "authorized" {
			t.Errorf("order %s did not go through, yet the provider holds its authorization", id)
		}
	}
}
