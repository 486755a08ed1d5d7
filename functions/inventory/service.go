package main

import (
	"context"
	"errors"

	"github.com/eventshop/eventshop/api"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

// ErrNotFound means no stock was ever set for the item.
var ErrNotFound = failure.New(failure.NotFound, "no stock was set for the item")

// Stock keeps each item's stock; see stock.Table.
type Stock interface {
	// Set makes n of the item available and returns its level.
	Set(ctx context.Context, sku string, n int64) (stock.Level, error)
	// Get returns the item's level, or stock.ErrNotFound.
	Get(ctx context.Context, sku string) (stock.Level, error)
}

var _ Stock = (*stock.Table)(nil)

// Service sets and shows stock. It is safe for concurrent use.
type Service struct {
	stock Stock
}

// Set makes n of the item available, whatever was before; what is
// reserved for orders and what was sold stays as it is.
func (s *Service) Set(ctx context.Context, sku string, n int64) (stock.Level, error) {
	if !api.ValidSKU(sku) {
		return stock.Level{}, failure.InvalidField("sku", api.SKURule)
	}
	return s.stock.Set(ctx, sku, n)
}

// Get returns the item's stock.
func (s *Service) Get(ctx context.Context, sku string) (stock.Level, error) {
	if !api.ValidSKU(sku) {
		return stock.Level{}, failure.InvalidField("sku", api.SKURule)
	}
	l, err := s.stock.Get(ctx, sku)
	if errors.Is(err, stock.ErrNotFound) {
		return stock.Level{}, ErrNotFound
	}
	return l, err
}
