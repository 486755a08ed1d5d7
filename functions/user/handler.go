package main

import (
	"context"
	"net/http"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

// routes adapts the HTTP API to the service.
func routes(users *Service) map[string]httpapi.Route {
	return map[string]httpapi.Route{
		"POST /users": func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var r Registration
			if err := httpapi.Decode(req, &r); err != nil {
				return httpapi.Response{}, err
			}
			u, registered, err := users.Register(ctx, r, req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusCreated, Body: u, Header: map[string]string{"Location": "/users/" + u.UserID},
				Events: []events.Envelope{registered}}, nil
		},
		"POST /users/{userId}/password-reset": func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			var none struct{}
			if err := httpapi.DecodeIfPresent(req, &none); err != nil {
				return httpapi.Response{}, err
			}
			r, reset, err := users.StartPasswordReset(ctx, req.PathParameters["userId"], req.Metadata())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusAccepted, Body: r, Events: []events.Envelope{reset}}, nil
		},
		"GET /users/{userId}": func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			u, err := users.Get(ctx, req.PathParameters["userId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.Response{Status: http.StatusOK, Body: u}, nil
		},
	}
}
