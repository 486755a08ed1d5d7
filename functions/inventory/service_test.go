package main

import (
	"context"
	"errors"
	"testing"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/boot/boottest"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

// fakeStock keeps levels in a map.
type fakeStock map[string]stock.Level

func (f fakeStock) Set(_ context.Context, sku string, n int64) (stock.Level, error) {
	l := f[sku]
	l.SKU, l.Available = sku, n
	f[sku] = l
	return l, nil
}

func (f fakeStock) Get(_ context.Context, sku string) (stock.Level, error) {
	l, ok := f[sku]
	if !ok {
		return stock.Level{}, stock.ErrNotFound
	}
	return l, nil
}

func TestSettingStockReplacesWhatIsAvailableAndKeepsWhatIsHeld(t *testing.T) {
	s := &Service{stock: fakeStock{"BOOK-42": {SKU: "BOOK-42", Available: 1, Reserved: 2, Sold: 3}}}
	l, err := s.Set(context.Background(), "BOOK-42", 7)
	if err != nil {
		t.Fatal(err)
	}
	if l != (stock.Level{SKU: "BOOK-42", Available: 7, Reserved: 2, Sold: 3}) {
		t.Errorf("level = %+v", l)
	}
}

func TestAnUnknownItemIsNotFoundAndABadSKUIsInvalid(t *testing.T) {
	s := &Service{stock: fakeStock{}}
	if _, err := s.Get(context.Background(), "NEW-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	for _, sku := range []string{"-x", "a b", "ü"} {
		if _, err := s.Set(context.Background(), sku, 1); failure.Of(err).Kind != failure.Invalid {
			t.Errorf("%q: %v, want invalid", sku, err)
		}
	}
}

func TestTheFunctionStartsFromItsContractsEnvironmentAlone(t *testing.T) {
	boottest.Starts(t, contract.Inventory, setup)
}
