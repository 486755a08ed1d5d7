package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/jsoncheck"

	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/internal/httpapi"
)

type body struct {
	Error, Message, Field, RequestID string
}

type greeting struct {
	Name  string `json:"name"`
	Times int    `json:"times"`
}

func serve(t *testing.T, route httpapi.Route, req lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, body) {
	t.Helper()
	h := httpapi.Handler(slog.New(slog.NewTextHandler(io.Discard, nil)), map[contract.Route]httpapi.Route{"POST /greet": route})
	if req.RouteKey == "" {
		req.RouteKey = "POST /greet"
	}
	req.RequestContext.RequestID = "req-1"
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatalf("handler returned an error to Lambda: %v", err)
	}
	var b body
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal([]byte(resp.Body), &b); err != nil {
			t.Fatalf("error body %q: %v", resp.Body, err)
		}
	}
	return resp, b
}

func jsonRequest(payload string) lambdaevents.APIGatewayV2HTTPRequest {
	return lambdaevents.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/json"}, Body: payload}
}

// checkGreeting is what cmd/schemagen writes for a closed object of a
// string name and an integer times, both optional.
func checkGreeting(c *jsoncheck.Checker) {
	names := []string{"name", "times"}
	c.OpenObject()
	var seen [2]bool
	for {
		name, ok := c.Next()
		if !ok {
			break
		}
		switch name {
		case "name":
			seen[0] = true
			c.Enter(name)
			c.String(&jsoncheck.StringRule{MaxLength: 100})
			c.Leave()
		case "times":
			seen[1] = true
			c.Enter(name)
			c.Number(&jsoncheck.NumberRule{Integer: true})
			c.Leave()
		default:
			c.Unknown(name, names, true)
		}
	}
	c.Required(seen[:], names, nil)
}

func decodeRoute(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
	var g greeting
	if err := httpapi.DecodeWith(req, checkGreeting, &g); err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.Response{Status: http.StatusOK, Body: g}, nil
}

func TestDecodeAcceptsAStrictJSONObject(t *testing.T) {
	for name, req := range map[string]lambdaevents.APIGatewayV2HTTPRequest{
		"plain":                          jsonRequest(`{"name":"Ada","times":2}`),
		"with a charset":                 {Headers: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, Body: `{"name":"Ada","times":2}`},
		"base64 encoded":                 {Headers: map[string]string{"content-type": "application/json"}, Body: "eyJuYW1lIjoiQWRhIiwidGltZXMiOjJ9", IsBase64Encoded: true},
		"surrounded by white space":      jsonRequest(" \n{\"name\":\"Ada\",\"times\":2}\n"),
		"header name in any case (kumo)": {Headers: map[string]string{"CONTENT-TYPE": "application/json"}, Body: `{"name":"Ada","times":2}`},
	} {
		t.Run(name, func(t *testing.T) {
			resp, _ := serve(t, decodeRoute, req)
			if resp.StatusCode != 200 || resp.Body != `{"name":"Ada","times":2}` {
				t.Errorf("got %d %s", resp.StatusCode, resp.Body)
			}
		})
	}
}

func TestDecodeRefusesWhatIsNotAStrictJSONObject(t *testing.T) {
	tests := []struct {
		name   string
		req    lambdaevents.APIGatewayV2HTTPRequest
		status int
		field  string
		says   string
	}{
		{"no content type", lambdaevents.APIGatewayV2HTTPRequest{Body: `{}`}, 415, "Content-Type", "application/json"},
		{"form data", lambdaevents.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}, Body: "a=b"}, 415, "Content-Type", "application/json"},
		{"latin-1 JSON", lambdaevents.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/json; charset=latin1"}, Body: `{}`}, 415, "Content-Type", "utf-8"},
		{"broken JSON", jsonRequest(`{"name":`), 400, "", "not valid JSON"},
		{"invalid JSON", jsonRequest(`{"name" "Ada"}`), 400, "", "not valid JSON"},
		{"an array", jsonRequest(`[1]`), 400, "", "JSON object"},
		{"empty", jsonRequest(``), 400, "", "empty"},
		{"two objects", jsonRequest(`{}{}`), 400, "", "more after"},
		{"an unknown field", jsonRequest(`{"name":"Ada","age":3}`), 400, "age", "not a known field"},
		{"a string for a number", jsonRequest(`{"times":"2"}`), 400, "times", "must be an integer"},
		{"a fraction for an integer", jsonRequest(`{"times":1.5}`), 400, "times", "must be an integer"},
		{"a number for a string", jsonRequest(`{"name":7}`), 400, "name", "must be a string"},
		{"invalid base64", lambdaevents.APIGatewayV2HTTPRequest{Headers: map[string]string{"content-type": "application/json"}, Body: "%%%", IsBase64Encoded: true}, 400, "", "base64"},
		{"too large", jsonRequest(`{"name":"` + strings.Repeat("a", httpapi.MaxBody) + `"}`), 413, "", "limit"},
		{"a name twice", jsonRequest(`{"name":"a","name":"b"}`), 400, "name", "appears twice"},
		{"a name that matches only if case is ignored", jsonRequest(`{"NAME":"Ada"}`), 400, "NAME", "case-sensitive"},
		{"invalid UTF-8", jsonRequest("{\"name\":\"Ad\xffa\"}"), 400, "name", "UTF-8"},
		{"a lone surrogate", jsonRequest(`{"name":"Ad\ud800a"}`), 400, "name", "surrogate"},
		{"a number too large to read", jsonRequest(`{"times":1` + strings.Repeat("0", 60000) + `}`), 400, "times", "sensible size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := serve(t, decodeRoute, tt.req)
			if resp.StatusCode != tt.status || b.Field != tt.field || !strings.Contains(b.Message, tt.says) {
				t.Errorf("got %d %+v, want %d naming %q and saying %q", resp.StatusCode, b, tt.status, tt.field, tt.says)
			}
			if b.RequestID != "req-1" {
				t.Errorf("request id = %q", b.RequestID)
			}
		})
	}
}

func TestFailuresMapToTheirStatus(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{failure.InvalidField("email", "is required"), 400, "invalid"},
		{failure.New(failure.NotFound, "no such user"), 404, "not_found"},
		{fmtWrap(failure.New(failure.Conflict, "taken")), 409, "conflict"},
		{failure.New(failure.Unprocessable, "unknown user"), 422, "unprocessable"},
		{failure.New(failure.TooLarge, "too big"), 413, "too_large"},
		{&failure.Error{Kind: failure.UnsupportedMediaType, Field: "Content-Type", Message: "must be JSON"}, 415, "unsupported_media_type"},
		{failure.New(failure.Internal, "the table is gone"), 500, "internal"},
		{errors.New("dynamodb: connection reset"), 500, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			resp, b := serve(t, func(context.Context, httpapi.Request) (httpapi.Response, error) { return httpapi.Response{}, tt.err }, jsonRequest(`{}`))
			if resp.StatusCode != tt.status || b.Error != tt.code {
				t.Errorf("got %d %+v, want %d %s", resp.StatusCode, b, tt.status, tt.code)
			}
			if tt.status == 500 && b.Message != "internal error" {
				t.Errorf("a 500 tells the caller %q", b.Message)
			}
		})
	}
}

func TestTheRequestLineNamesTheInvocationTheRequestAndTheEventsItAppended(t *testing.T) {
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()},
		events.Metadata{CorrelationID: "flow-1", CausationID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	h := httpapi.Handler(slog.New(slog.NewJSONHandler(&out, nil)), map[contract.Route]httpapi.Route{
		"POST /greet": func(context.Context, httpapi.Request) (httpapi.Response, error) {
			return httpapi.Response{Status: 201, Events: []events.Envelope{env}}, nil
		},
	})
	req := jsonRequest(`{}`)
	req.RouteKey = "POST /greet"
	req.RequestContext.RequestID = "api-1"
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-1"})
	if _, err := h(ctx, req); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", out.String(), err)
	}
	for key, want := range map[string]any{
		"request_id": "lambda-1", "api_request_id": "api-1", "event_id": env.EventID, "event_type": events.TypeUserForgotten,
		"route": "POST /greet", "status": 201.0,
	} {
		if line[key] != want {
			t.Errorf("%s = %v, want %v", key, line[key], want)
		}
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }

func TestAPanicIsA500AndTheProcessLives(t *testing.T) {
	resp, b := serve(t, func(context.Context, httpapi.Request) (httpapi.Response, error) { panic("boom") }, jsonRequest(`{}`))
	if resp.StatusCode != 500 || b.Message != "internal error" {
		t.Errorf("got %d %+v", resp.StatusCode, b)
	}
}

func TestAnUnknownRouteIs404(t *testing.T) {
	req := jsonRequest(`{}`)
	req.RouteKey = "DELETE /greet"
	if resp, _ := serve(t, decodeRoute, req); resp.StatusCode != 404 {
		t.Errorf("got %d", resp.StatusCode)
	}
}

func TestTheCorrelationIDIsTheCallersOrNewAndAlwaysEchoed(t *testing.T) {
	var seen httpapi.Request
	route := func(_ context.Context, req httpapi.Request) (httpapi.Response, error) {
		seen = req
		return httpapi.Response{Status: 204}, nil
	}
	req := jsonRequest(`{}`)
	req.Headers["x-correlation-id"] = "flow-42"
	resp, _ := serve(t, route, req)
	if seen.CorrelationID != "flow-42" || resp.Headers["X-Correlation-Id"] != "flow-42" {
		t.Errorf("correlation %q, echoed %q", seen.CorrelationID, resp.Headers["X-Correlation-Id"])
	}
	if m := seen.Metadata(); m.CorrelationID != "flow-42" || m.CausationID != "req-1" {
		t.Errorf("metadata = %+v, want the request as the cause", m)
	}

	resp, _ = serve(t, route, jsonRequest(`{}`))
	if len(seen.CorrelationID) != 36 || resp.Headers["X-Correlation-Id"] != seen.CorrelationID {
		t.Errorf("new correlation %q, echoed %q", seen.CorrelationID, resp.Headers["X-Correlation-Id"])
	}

	req = jsonRequest(`{}`)
	req.Headers["X-Correlation-Id"] = "not <valid>"
	resp, b := serve(t, route, req)
	if resp.StatusCode != 400 || b.Field != "X-Correlation-Id" || resp.Headers["X-Correlation-Id"] == "" {
		t.Errorf("got %d %+v, headers %v", resp.StatusCode, b, resp.Headers)
	}
}

func TestABodyThatCannotBeEncodedIsA500LoggedAsAnErrorWithItsCauseAndItsEvents(t *testing.T) {
	env, err := events.New(events.UserForgotten{UserID: uuid.NewString()},
		events.Metadata{CorrelationID: "flow-1", CausationID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	h := httpapi.Handler(slog.New(slog.NewJSONHandler(&out, nil)), map[contract.Route]httpapi.Route{
		"POST /greet": func(context.Context, httpapi.Request) (httpapi.Response, error) {
			return httpapi.Response{Status: 200, Body: map[string]any{"answer": make(chan int)}, Events: []events.Envelope{env}}, nil
		},
	})
	req := jsonRequest(`{}`)
	req.RouteKey = "POST /greet"
	resp, err := h(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var b struct{ Message string }
	if resp.StatusCode != 500 || json.Unmarshal([]byte(resp.Body), &b) != nil || b.Message != "internal error" {
		t.Errorf("got %d %s", resp.StatusCode, resp.Body)
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", out.String(), err)
	}
	if line["level"] != "ERROR" || !strings.Contains(fmt.Sprint(line["error"]), "chan int") || line["status"] != 500.0 || line["event_id"] != env.EventID {
		t.Errorf("log line = %v, want an ERROR naming why the body could not be encoded", line)
	}
}
