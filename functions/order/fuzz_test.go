package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

// FuzzPostOrders sends arbitrary bodies to POST /orders: the answer is a
// 201 or a 4xx naming the problem, never a 5xx, never a panic.
func FuzzPostOrders(f *testing.F) {
	for _, body := range []string{
		`{"userId":"` + ada.UserID + `","currency":"EUR","items":[{"sku":"BOOK-42","quantity":2,"unitPriceCents":1999}]}`,
		`{"userId":"` + ada.UserID + `","currency":"JPY","items":[{"sku":"A","quantity":1000,"unitPriceCents":100000000}]}`,
		`{"userId":"` + ada.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":1e3,"unitPriceCents":-1}]}`,
		`{"userId":"` + ada.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":9223372036854775807,"unitPriceCents":9223372036854775807}]}`,
		`{"userId":"x","currency":"","items":null}`,
		`{"userId":"` + strings.ToUpper(ada.UserID) + `","currency":"EUR","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`,
		`{"userId":"` + ada.UserID + `","userId":"` + ada.UserID + `","currency":"EUR","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`,
		`{"userId":"` + ada.UserID + `","Currency":"EUR","currency":"EUR","items":[{"sku":"A","quantity":1,"unitPriceCents":1}]}`,
		`{"userId":"` + ada.UserID + `","currency":"EUR","items":[{"sku":"A\ud800","quantity":1,"unitPriceCents":1}]}`,
		"{\"userId\":\"" + ada.UserID + "\",\"currency\":\"EUR\",\"items\":[{\"sku\":\"A\xff\",\"quantity\":1,\"unitPriceCents\":1}]}",
		`{"userId":"` + ada.UserID + `","currency":"EUR","items":[{"sku":"A\ufffd","quantity":1,"unitPriceCents":1}]}`,
		`{"items":[{}]}`,
		`{"userId":1}`,
		`[]`,
	} {
		f.Add(body)
	}
	svc, _ := newService()
	h := httpapi.Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), routes(svc))
	f.Fuzz(func(t *testing.T, body string) {
		req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: string(contract.PlaceOrder), Headers: map[string]string{"content-type": "application/json"}, Body: body}
		req.RequestContext.RequestID = "fuzz"
		resp, err := h(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == 201 {
			var o Order
			if err := json.Unmarshal([]byte(resp.Body), &o); err != nil || o.TotalCents <= 0 {
				t.Fatalf("a placed order with total %d: %s", o.TotalCents, resp.Body)
			}
			return
		}
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Fatalf("%q: status %d %s", body, resp.StatusCode, resp.Body)
		}
	})
}
