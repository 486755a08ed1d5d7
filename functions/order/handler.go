package main

import (
	"context"
	"net/http"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

// historyEntry is one event of GET /orders/{orderId}/events.
type historyEntry struct {
	Version  int             `json:"version"`
	Envelope events.Envelope `json:"envelope"`
}

// routes adapts the HTTP API to the service.
func routes(orders *Service) map[contract.Route]httpapi.Route {
	return map[contract.Route]httpapi.Route{
		contract.PlaceOrder: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var p Placement
			if err := httpapi.Decode(req, &p); err != nil {
				return httpapi.Response{}, err
			}
			p.IdempotencyKey = req.Header(contract.IdempotencyHeader)
			o, placed, err := orders.Place(ctx, p, req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			resp := httpapi.Response{Status: http.StatusCreated, Body: o, Header: map[string]string{"Location": contract.GetOrder.Link(o.OrderID)}}
			if placed.EventID == "" { // placed before, under the same key
				resp.Header[contract.IdempotentReplayHeader] = "true"
			} else {
				resp.Events = []events.Envelope{placed}
			}
			return resp, nil
		},
		contract.GetOrder: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			o, err := orders.Get(ctx, req.PathParameters[contract.ParamOrderID])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusOK, Body: o}, nil
		},
		contract.OrderHistory: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			records, err := orders.History(ctx, req.PathParameters[contract.ParamOrderID])
			if err != nil {
				return httpapi.Response{}, err
			}
			out := make([]historyEntry, len(records))
			for i, r := range records {
				out[i] = historyEntry{Version: r.Version, Envelope: r.Envelope}
			}
			return httpapi.Response{Status: http.StatusOK, Body: map[string]any{"orderId": req.PathParameters[contract.ParamOrderID], "events": out}}, nil
		},
		contract.ShipOrder: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var sh Shipment
			if err := httpapi.Decode(req, &sh); err != nil {
				return httpapi.Response{}, err
			}
			o, shipped, err := orders.Ship(ctx, req.PathParameters[contract.ParamOrderID], sh, req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusOK, Body: o, Events: []events.Envelope{shipped}}, nil
		},
		contract.CancelOrder: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var c Cancellation
			if err := httpapi.DecodeIfPresent(req, &c); err != nil {
				return httpapi.Response{}, err
			}
			o, cancelled, err := orders.Cancel(ctx, req.PathParameters[contract.ParamOrderID], c, req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusOK, Body: o, Events: []events.Envelope{cancelled}}, nil
		},
	}
}
