package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/consumer"
)

// fakeProvider answers as the simulation does, counts the calls, and
// may run something while an authorization is under way.
type fakeProvider struct {
	Simulated
	mu                         sync.Mutex
	authorizes, voids, refunds int
	during                     func()
	err                        error // returned by Authorize instead, if set
	voidFails                  int   // how many voids to come fail
}

func (f *fakeProvider) Authorize(ctx context.Context, orderID string, amount events.Money, method string) (string, error) {
	f.mu.Lock()
	f.authorizes++
	during := f.during
	f.mu.Unlock()
	if during != nil {
		during()
	}
	if f.err != nil {
		return "", f.err
	}
	return f.Simulated.Authorize(ctx, orderID, amount, method)
}

// Void counts the voids that succeeded.
func (f *fakeProvider) Void(context.Context, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.voidFails > 0 {
		f.voidFails--
		return ErrUnavailable
	}
	f.voids++
	return nil
}

func (f *fakeProvider) Refund(context.Context, string, events.Money) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refunds++
	return nil
}

var total = events.Money{AmountMinor: 4248, Currency: "EUR"}

func envelope(t *testing.T, p events.Payload) events.Envelope {
	t.Helper()
	env, err := events.New(p, events.Metadata{CorrelationID: "c", CausationID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func person(id string) events.Person {
	return events.Person{UserID: id, Contact: events.Sealed[events.Contact]{Subject: id, Ciphertext: make([]byte, 48)}}
}

func placed(t *testing.T, orderID, method string) events.Envelope {
	return envelope(t, events.OrderPlaced{OrderID: orderID, Customer: person(orderID), Total: total, PaymentMethod: method,
		Items: []events.LineItem{{SKU: "BOOK-42", Quantity: 1, UnitPrice: total}}})
}

func rejected(t *testing.T, orderID string) events.Envelope {
	return envelope(t, events.OrderRejected{OrderID: orderID, Customer: person(orderID), Reason: events.RejectedOutOfStock, SKU: "BOOK-42", Total: total})
}

func cancelled(t *testing.T, orderID string) events.Envelope {
	return envelope(t, events.OrderCancelled{OrderID: orderID, Customer: person(orderID), Total: total})
}

func newPayments() (*Payments, *fakeProvider, *eventstore.Memory) {
	store, provider := eventstore.NewMemory(), &fakeProvider{}
	return &Payments{events: store, provider: provider, retries: []time.Duration{0, 0}}, provider, store
}

// stream returns the payment stream's events.
func stream(t *testing.T, store *eventstore.Memory, orderID string) []events.Envelope {
	t.Helper()
	records, err := store.Load(context.Background(), contract.PaymentStream.ID(orderID), 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	for _, r := range records {
		out = append(out, r.Envelope)
	}
	return out
}

func types(envs []events.Envelope) []string {
	var out []string
	for _, e := range envs {
		out = append(out, e.EventType)
	}
	return out
}

func handle(t *testing.T, p *Payments, env events.Envelope) error {
	t.Helper()
	_, err := p.Routes().Handle(context.Background(), env)
	if err != nil && !errors.Is(err, consumer.ErrSkip) {
		return err
	}
	return nil
}

func TestAPlacedOrderIsAuthorizedOnceHoweverOftenItComes(t *testing.T) {
	p, provider, store := newPayments()
	id := uuid.NewString()
	for range 2 {
		if err := handle(t, p, placed(t, id, MethodOK)); err != nil {
			t.Fatal(err)
		}
	}
	got := stream(t, store, id)
	if len(got) != 1 || got[0].EventType != events.TypePaymentAuthorized || provider.authorizes != 1 {
		t.Fatalf("stream %v after %d authorizations", types(got), provider.authorizes)
	}
	a, _ := events.Decode[events.PaymentAuthorized](got[0])
	if a.AuthorizationID == "" || a.Amount != total || a.OrderID != id {
		t.Errorf("authorized = %+v", a)
	}
}

func TestADeclinedOrUnavailablePaymentIsRecordedWithItsReason(t *testing.T) {
	for _, tc := range []struct {
		method, reason string
		asked          int
	}{
		{MethodDeclined, events.DeclinedByProvider, 1},
		{"", events.DeclinedByProvider, 1},
		{MethodUnavailable, events.ProviderUnavailable, 3},
	} {
		t.Run(tc.method, func(t *testing.T) {
			p, provider, store := newPayments()
			id := uuid.NewString()
			if err := handle(t, p, placed(t, id, tc.method)); err != nil {
				t.Fatal(err)
			}
			got := stream(t, store, id)
			if len(got) != 1 || got[0].EventType != events.TypePaymentDeclined {
				t.Fatalf("stream = %v", types(got))
			}
			if d, _ := events.Decode[events.PaymentDeclined](got[0]); d.Reason != tc.reason || provider.authorizes != tc.asked {
				t.Errorf("declined %q after %d calls, want %q after %d", d.Reason, provider.authorizes, tc.reason, tc.asked)
			}
		})
	}
}

func TestAProviderThatDoesNotAnswerLeavesTheEventToBeDeliveredAgain(t *testing.T) {
	p, provider, store := newPayments()
	provider.err = context.DeadlineExceeded
	id := uuid.NewString()
	if _, err := p.Routes().Handle(context.Background(), placed(t, id, MethodTimeout)); err == nil || errors.Is(err, consumer.ErrSkip) {
		t.Errorf("err = %v, want one that retries", err)
	}
	if got := stream(t, store, id); len(got) != 0 {
		t.Errorf("stream = %v, want nothing recorded", types(got))
	}
}

func TestAnOrderThatEndsGivesBackItsPaymentOnce(t *testing.T) {
	for _, tc := range []struct {
		name           string
		end            func(*testing.T, string) events.Envelope
		want           string
		voids, refunds int
	}{
		{"a rejected order's authorization is voided", rejected, events.TypePaymentVoided, 1, 0},
		{"a cancelled order's payment is refunded", cancelled, events.TypePaymentRefunded, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, provider, store := newPayments()
			id := uuid.NewString()
			if err := handle(t, p, placed(t, id, MethodOK)); err != nil {
				t.Fatal(err)
			}
			end := tc.end(t, id)
			for range 2 {
				if err := handle(t, p, end); err != nil {
					t.Fatal(err)
				}
			}
			got := stream(t, store, id)
			if len(got) != 2 || got[1].EventType != tc.want || provider.voids != tc.voids || provider.refunds != tc.refunds {
				t.Errorf("stream %v, %d voids, %d refunds", types(got), provider.voids, provider.refunds)
			}
		})
	}
}

func TestAnOrderThatEndedBeforeItsPlacementCameIsNeverAuthorized(t *testing.T) {
	p, provider, store := newPayments()
	id := uuid.NewString()
	if err := handle(t, p, rejected(t, id)); err != nil {
		t.Fatal(err)
	}
	if err := handle(t, p, placed(t, id, MethodOK)); err != nil {
		t.Fatal(err)
	}
	if got := stream(t, store, id); len(got) != 1 || got[0].EventType != events.TypePaymentVoided || provider.authorizes != 0 {
		t.Errorf("stream %v after %d authorizations", types(got), provider.authorizes)
	}
}

func TestAnAuthorizationMadeWhileTheOrderEndedIsVoided(t *testing.T) {
	p, provider, store := newPayments()
	id := uuid.NewString()
	provider.during = func() {
		provider.during = nil
		if err := handle(t, p, rejected(t, id)); err != nil {
			t.Error(err)
		}
	}
	if err := handle(t, p, placed(t, id, MethodOK)); err != nil {
		t.Fatal(err)
	}
	if got := stream(t, store, id); len(got) != 1 || got[0].EventType != events.TypePaymentVoided || provider.voids != 2 {
		t.Errorf("stream %v, %d voids: want the stream closed and the late authorization voided too", types(got), provider.voids)
	}
}

func TestAnAuthorizationWhoseVoidFailedIsVoidedWhenItsPlacementComesAgain(t *testing.T) {
	p, provider, store := newPayments()
	id := uuid.NewString()
	provider.during = func() {
		provider.during = nil
		if err := handle(t, p, rejected(t, id)); err != nil {
			t.Error(err)
		}
		provider.voidFails = 1 // the void of the late authorization
	}
	if err := handle(t, p, placed(t, id, MethodOK)); err == nil {
		t.Fatal("the delivery whose void failed succeeded: nothing would void the authorization")
	}
	if err := handle(t, p, placed(t, id, MethodOK)); err != nil {
		t.Fatal(err)
	}
	if got := stream(t, store, id); len(got) != 1 || got[0].EventType != events.TypePaymentVoided || provider.voids != 2 {
		t.Errorf("stream %v, %d voids: want the late authorization voided when the placement came again", types(got), provider.voids)
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Payment, setup)
}

func TestAReplayedPlacementTakesNoPayment(t *testing.T) {
	p, provider, store := newPayments()
	id := uuid.NewString()
	env := placed(t, id, MethodOK)
	env.Metadata.Replay = true
	if _, err := p.Routes().Handle(context.Background(), env); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("err = %v, want a skip", err)
	}
	if got := stream(t, store, id); len(got) != 0 || provider.authorizes != 0 {
		t.Errorf("stream %v after %d authorizations", types(got), provider.authorizes)
	}
}
