package main

import (
	"context"

	"github.com/eventshop/eventshop/awsclient"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/boot"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
	"github.com/eventshop/eventshop/functions/inventory/stock"
)

func main() { boot.Run(contract.Inventory, setup) }

func setup(_ context.Context, s boot.Setup) (any, error) {
	inventory := &Service{stock: stock.NewTable(awsclient.DynamoDB(s.AWS), s.Env.Get(contract.EnvStockTable))}
	return httpapi.Handler(s.Log, routes(inventory)), nil
}
