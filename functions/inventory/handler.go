package main

import (
	"context"
	"net/http"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

// Setting is the body of PUT /stock/{sku}.
type Setting struct {
	Available int64 `json:"available"`
}

// routes adapts the HTTP API to the service.
func routes(inventory *Service) map[contract.Route]httpapi.Route {
	return map[contract.Route]httpapi.Route{
		contract.SetStock: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var s Setting
			if err := httpapi.Decode(req, &s); err != nil {
				return httpapi.Response{}, err
			}
			l, err := inventory.Set(ctx, req.PathParameters[contract.ParamSKU], s.Available)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusOK, Body: l}, nil
		},
		contract.GetStock: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			l, err := inventory.Get(ctx, req.PathParameters[contract.ParamSKU])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusOK, Body: l}, nil
		},
	}
}
