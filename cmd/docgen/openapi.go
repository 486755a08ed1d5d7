package main

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/eventshop/eventshop/api"
	"github.com/eventshop/eventshop/contract"
)

// openAPI describes the HTTP API from the contract's routes and the API's
// schemas: the request and response of every route, its parameters, its
// errors.
func openAPI(m *model) map[string]any {
	schemas := map[string]any{}
	name := func(file string) string { return contract.Pascal(strings.TrimSuffix(file, ".json")) }
	ref := func(file string) map[string]any {
		schemas[name(file)] = bare(m.api[file])
		return map[string]any{"$ref": "#/components/schemas/" + name(file)}
	}
	jsonBody := func(file string) map[string]any {
		return map[string]any{"application/json": map[string]any{"schema": ref(file)}}
	}
	errs := func(statuses ...int) map[string]any {
		out := map[string]any{}
		for _, s := range statuses {
			out[strconv.Itoa(s)] = map[string]any{"description": http.StatusText(s), "content": jsonBody(api.ErrorSchema)}
		}
		return out
	}
	paths := map[string]any{}
	for _, fn := range contract.Functions() {
		for _, route := range fn.Routes() {
			r, _ := api.For(route)
			op := map[string]any{
				"operationId": r.Operation,
				"summary":     r.Summary,
				"tags":        []string{fn.Service()},
			}
			responses := errs(http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError)
			success := map[string]any{"description": http.StatusText(r.Status)}
			if r.Response != "" {
				success["content"] = jsonBody(r.Response)
			}
			responses[strconv.Itoa(r.Status)] = success
			if r.Request != "" {
				op["requestBody"] = map[string]any{"required": !r.RequestOptional, "content": jsonBody(r.Request)}
				for k, v := range errs(http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType) {
					responses[k] = v
				}
			}
			switch route {
			case contract.RegisterUser, contract.CancelOrder, contract.ShipOrder:
				responses["409"] = errs(http.StatusConflict)["409"]
			case contract.PlaceOrder:
				responses["422"] = errs(http.StatusUnprocessableEntity)["422"]
			case contract.StartPasswordReset:
				tooMany := errs(http.StatusTooManyRequests)["429"].(map[string]any)
				tooMany["headers"] = map[string]any{"Retry-After": map[string]any{
					"description": "Seconds until the user may start another reset.", "schema": map[string]any{"type": "integer", "minimum": 1}}}
				responses["429"] = tooMany
			}
			if route.Method() == http.MethodPost && !strings.Contains(route.Path(), "{") {
				responses[strconv.Itoa(r.Status)].(map[string]any)["headers"] = map[string]any{
					"Location": map[string]any{"description": "Where the new resource is read.", "schema": map[string]any{"type": "string"}}}
			}
			op["responses"] = responses
			var params []any
			id := m.api["user.json"]["properties"].(map[string]any)["userId"]
			for _, p := range []struct {
				name, about string
				schema      any
			}{
				{contract.ParamUserID, "A lower-case UUID with dashes.", id},
				{contract.ParamOrderID, "A lower-case UUID with dashes.", id},
				{contract.ParamSKU, "The item's stock keeping unit.", m.api["stock.json"]["properties"].(map[string]any)["sku"]},
			} {
				if strings.Contains(route.Path(), "{"+p.name+"}") {
					params = append(params, map[string]any{"name": p.name, "in": "path", "required": true,
						"description": p.about, "schema": p.schema})
				}
			}
			params = append(params, map[string]any{"name": contract.CorrelationHeader, "in": "header", "required": false,
				"description": "The flow this request belongs to; echoed, or a new one made.", "schema": map[string]any{"type": "string", "maxLength": 128}})
			if route.TakesIdempotencyKey() {
				params = append(params, map[string]any{"name": contract.IdempotencyHeader, "in": "header", "required": false,
					"description": "A key of the client's for this order, 1 to 255 visible ASCII characters: sent again with the same key, the request answers the order it placed (with " +
						contract.IdempotentReplayHeader + ": true) instead of placing another; the same key with another order is a 409.",
					"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}})
			}
			op["parameters"] = params
			item, _ := paths[route.Path()].(map[string]any)
			if item == nil {
				item = map[string]any{}
				paths[route.Path()] = item
			}
			item[strings.ToLower(route.Method())] = op
		}
	}
	var tags []any
	for _, fn := range contract.Functions() {
		if len(fn.Routes()) > 0 && !slices.ContainsFunc(tags, func(t any) bool { return t.(map[string]any)["name"] == fn.Service() }) {
			tags = append(tags, map[string]any{"name": fn.Service(), "description": "Served by the " + string(fn) + " function."})
		}
	}
	return map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
		"info": map[string]any{
			"title":   "eventshop API",
			"version": "1.0.0",
			"description": "eventshop's HTTP API, generated from its routes and their JSON Schemas (cmd/docgen). Every error has one shape; " +
				"a 5xx says only \"internal error\", and the log says why.",
		},
		"servers": []any{
			map[string]any{"url": "http://127.0.0.1:3000", "description": "make local"},
			map[string]any{"url": "https://{apiId}.execute-api.{region}.amazonaws.com", "description": "make deploy: the ApiUrl output",
				"variables": map[string]any{"apiId": map[string]any{"default": "abcdef1234"}, "region": map[string]any{"default": "us-east-1"}}},
		},
		"security": []any{map[string]any{"sigv4": []any{}}},
		"tags":     tags,
		"paths":    paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{"sigv4": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization",
				"description": "An AWS Signature Version 4 of a principal allowed execute-api:Invoke; a JWT of the configured issuer instead with JWT_ISSUER."}},
		},
	}
}
