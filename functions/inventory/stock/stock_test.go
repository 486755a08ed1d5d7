package stock_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/eventstore"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

// An order's lines are reserved, sold and released each in one append
// with the event that records it: the most lines POST /orders takes must
// fit, or such an order could never be reserved and would expire.
func TestTheMostLinesAnOrderMayHaveMoveInOneAppend(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "api", "schemas", "place-order.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			Items struct {
				MaxItems int `json:"maxItems"`
			} `json:"items"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil || schema.Properties.Items.MaxItems == 0 {
		t.Fatalf("place-order.json's maxItems of items: %v", err)
	}
	lines := make([]events.StockLine, schema.Properties.Items.MaxItems)
	for i := range lines {
		lines[i] = events.StockLine{SKU: fmt.Sprintf("SKU-%d", i), Quantity: 1}
	}
	writes := stock.NewTable(nil, "stock").Writes(stock.Move{Lines: lines, From: stock.Available, To: stock.Reserved})
	if n := len(writes) + 1; n > eventstore.MaxAppend {
		t.Errorf("an order of %d lines moves its stock in %d writes with its event, more than one append takes (%d): lower place-order.json's maxItems",
			len(lines), n, eventstore.MaxAppend)
	}
}
