package main

import (
	"context"
	"net/http"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

// routes adapts the HTTP API to the service.
func routes(users *Service) map[contract.Route]httpapi.Route {
	return map[contract.Route]httpapi.Route{
		contract.RegisterUser: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var r Registration
			if err := httpapi.Decode(req, &r); err != nil {
				return httpapi.Response{}, err
			}
			u, registered, err := users.Register(ctx, r, req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusCreated, Body: u, Header: map[string]string{"Location": contract.GetUser.Link(u.UserID)},
				Events: []events.Envelope{registered}}, nil
		},
		contract.StartPasswordReset: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var none struct{}
			if err := httpapi.DecodeIfPresent(req, &none); err != nil {
				return httpapi.Response{}, err
			}
			r, reset, err := users.StartPasswordReset(ctx, req.PathParameters[contract.ParamUserID], req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusAccepted, Body: r, Events: []events.Envelope{reset}}, nil
		},
		contract.ForgetUser: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			forgotten, err := users.Forget(ctx, req.PathParameters[contract.ParamUserID], req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusNoContent, Events: []events.Envelope{forgotten}}, nil
		},
		contract.GetUser: func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			u, err := users.Get(ctx, req.PathParameters[contract.ParamUserID])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusOK, Body: u}, nil
		},
	}
}
