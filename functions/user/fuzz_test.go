package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

// FuzzPostUsers sends arbitrary bodies and content types to POST /users.
// Whatever comes in, the answer is a 201 or a 4xx with a JSON error body
// that names the problem: never a 5xx, never a panic.
func FuzzPostUsers(f *testing.F) {
	for _, seed := range []struct{ contentType, body string }{
		{"application/json", `{"email":"ada@example.com","name":"Ada"}`},
		{"application/json; charset=utf-8", `{"email":"ADA@EXAMPLE.COM","name":"  Ada  "}`},
		{"application/json", `{"email":"ada@example.com","name":"Ada","extra":1}`},
		{"application/json", `{"email":["a"],"name":{}}`},
		{"application/json", `{"email":"a@b","name":"\u0000"}`},
		{"text/plain", `{}`},
		{"", ``},
		{"application/json", `[{}]`},
		{"application/json", `{"email":"ada@example.com","name":"Ada"} {}`},
		{"application/json", `{"email":"a@example.com","email":"b@example.com","name":"n"}`},
		{"application/json", `{"email":"a@example.com","Email":"b@example.com","name":"n"}`},
		{"application/json", `{"email":"a@example.com","name":"Ada \ud800"}`},
		{"application/json", `{"email":"a@example.com","name":"Ada \ufffd"}`},
		{"application/json", "{\"email\":\"a@example.com\",\"name\":\"Ada \xff\"}"},
		{"application/json", `{"email":"x@[127.0.0.1]","name":"Ada \u202e"}`},
	} {
		f.Add(seed.contentType, seed.body, false)
	}
	h := httpapi.Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), routes(first(newService())))
	f.Fuzz(func(t *testing.T, contentType, body string, base64 bool) {
		req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: string(contract.RegisterUser), Headers: map[string]string{"content-type": contentType}, Body: body, IsBase64Encoded: base64}
		req.RequestContext.RequestID = "fuzz"
		resp, err := h(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case resp.StatusCode == 201 || resp.StatusCode == 409:
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			var e struct{ Error, Message string }
			if json.Unmarshal([]byte(resp.Body), &e) != nil || e.Error == "" || e.Message == "" {
				t.Fatalf("a %d without a JSON error: %s", resp.StatusCode, resp.Body)
			}
		default:
			t.Fatalf("%q %q: status %d %s", contentType, body, resp.StatusCode, resp.Body)
		}
	})
}
