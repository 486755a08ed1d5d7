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
)

type fakeCustomers map[string]events.Customer

func (f fakeCustomers) Put(_ context.Context, c events.Customer) error {
	f[c.UserID] = c
	return nil
}

func TestARegisteredUserBecomesACustomer(t *testing.T) {
	customers := fakeCustomers{}
	p := &Projector{customers: customers}
	for range 2 { // a redelivery changes nothing
		result, err := p.Routes().Handle(context.Background(), eventstest.Latest(t, events.TypeUserRegistered))
		if err != nil {
			t.Fatal(err)
		}
		if result.Effect != "customer 5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e" {
			t.Errorf("result = %q", result)
		}
	}
	want := events.Customer{UserID: "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e", Email: "ada@example.com", Name: "Ada Lovelace"}
	if len(customers) != 1 || customers[want.UserID] != want {
		t.Errorf("customers = %+v", customers)
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
