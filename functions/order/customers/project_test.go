package main

import (
	"context"
	"errors"
	"testing"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/events/eventstest"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/consumer"
	"github.com/eventshop/eventshop/functions/order/customer"
)

// fakeCustomers keeps customers as customer.Table does: nil for a
// tombstone.
type fakeCustomers map[string]*events.Person

func (f fakeCustomers) Put(_ context.Context, p events.Person) error {
	if c, ok := f[p.UserID]; ok && c == nil {
		return customer.ErrForgotten
	}
	f[p.UserID] = &p
	return nil
}

func (f fakeCustomers) Forget(_ context.Context, userID string) error {
	f[userID] = nil
	return nil
}

func TestARegisteredUserBecomesACustomerWithTheirContactSealed(t *testing.T) {
	customers := fakeCustomers{}
	p := &Projector{customers: customers}
	registered := eventstest.Latest(t, events.TypeUserRegistered)
	for range 2 { // a redelivery changes nothing
		result, err := p.Routes().Handle(context.Background(), registered)
		if err != nil {
			t.Fatal(err)
		}
		if result.Effect != "customer "+eventstest.SampleSubject {
			t.Errorf("result = %q", result)
		}
	}
	u, _ := events.Decode[events.UserRegistered](registered)
	if c := customers[eventstest.SampleSubject]; len(customers) != 1 || c == nil || string(c.Contact.Ciphertext) != string(u.Contact.Ciphertext) {
		t.Errorf("customers = %+v", customers)
	}
}

func TestAForgottenUserIsPurgedAndNotBroughtBackByALateRegistration(t *testing.T) {
	customers := fakeCustomers{}
	p := &Projector{customers: customers}
	ctx := context.Background()
	if _, err := p.Routes().Handle(ctx, eventstest.Latest(t, events.TypeUserRegistered)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Routes().Handle(ctx, eventstest.Latest(t, events.TypeUserForgotten)); err != nil {
		t.Fatal(err)
	}
	if c, ok := customers[eventstest.SampleSubject]; !ok || c != nil {
		t.Errorf("after user.forgotten the customer is %+v", c)
	}
	if _, err := p.Routes().Handle(ctx, eventstest.Latest(t, events.TypeUserRegistered)); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("a replayed registration of a forgotten user: %v, want a skip", err)
	}
	if c := customers[eventstest.SampleSubject]; c != nil {
		t.Errorf("the forgotten customer came back: %+v", c)
	}
}

func TestOtherEventsAreSkipped(t *testing.T) {
	p := &Projector{customers: fakeCustomers{}}
	if _, err := p.Routes().Handle(context.Background(), eventstest.Latest(t, events.TypeOrderPlaced)); !errors.Is(err, consumer.ErrSkip) {
		t.Errorf("err = %v", err)
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Customers, setup)
}
