package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/eventshop/eventshop/contract"
)

func unroutedRequest(method, path string) lambdaevents.APIGatewayV2HTTPRequest {
	req := lambdaevents.APIGatewayV2HTTPRequest{RouteKey: string(contract.Fallback), RawPath: path}
	req.RequestContext.HTTP.Method = method
	req.RequestContext.RequestID = "api-1"
	return req
}

// FuzzUnrouted: whatever a request that no route matched holds, the
// fallback answers 404 or 405 in the error shape, with Allow on a 405
// alone, and quotes no more than a short prefix of it.
func FuzzUnrouted(f *testing.F) {
	for _, seed := range [][2]string{{"GET", "/nowhere"}, {"PUT", "/users"}, {"PATCH", "/users/1"}, {"GET", "/orders/1/cancel"},
		{strings.Repeat("X", 300), "/users"}, {"GET", ""}, {"GET", "//"}, {"DELETE", "/users/"}} {
		f.Add(seed[0], seed[1])
	}
	h := Handler(slog.New(slog.DiscardHandler), nil)
	f.Fuzz(func(t *testing.T, method, path string) {
		resp, err := h(context.Background(), unroutedRequest(method, path))
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error, Message string }
		if json.Unmarshal([]byte(resp.Body), &body) != nil || body.Error == "" || len(resp.Body) > 400 {
			t.Fatalf("%q %q: %d %s", method, path, resp.StatusCode, resp.Body)
		}
		switch resp.StatusCode {
		case http.StatusNotFound:
			if resp.Headers["Allow"] != "" {
				t.Fatalf("a 404 with Allow %q", resp.Headers["Allow"])
			}
		case http.StatusMethodNotAllowed:
			if resp.Headers["Allow"] == "" {
				t.Fatal("a 405 without Allow")
			}
		default:
			t.Fatalf("%q %q: status %d", method, path, resp.StatusCode)
		}
	})
}

func TestTheFallbackAllowsWhatTheContractRoutes(t *testing.T) {
	h := Handler(slog.New(slog.DiscardHandler), nil)
	for path, allow := range map[string]string{
		"/users":                  "POST",
		"/users/1":                "GET, DELETE",
		"/users/1/password-reset": "POST",
		"/orders/1":               "GET",
		"/orders/1/ship":          "POST",
		"/users/1/orders":         "",
		"/":                       "",
	} {
		resp, _ := h(context.Background(), unroutedRequest("PUT", path))
		want := http.StatusMethodNotAllowed
		if allow == "" {
			want = http.StatusNotFound
		}
		if resp.StatusCode != want || resp.Headers["Allow"] != allow || resp.Headers[CorrelationHeader] == "" {
			t.Errorf("PUT %s: %d, Allow %q, headers %v", path, resp.StatusCode, resp.Headers["Allow"], resp.Headers)
		}
	}
}
