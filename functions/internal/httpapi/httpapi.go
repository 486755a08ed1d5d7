package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/internal/logging"
	"github.com/eventshop/eventshop/functions/internal/tracing"
	"github.com/eventshop/eventshop/jsoncheck"
)

// CorrelationHeader carries a flow's correlation id in and out.
const CorrelationHeader = contract.CorrelationHeader

// Request is an HTTP API request with its correlation id resolved.
type Request struct {
	lambdaevents.APIGatewayV2HTTPRequest
	// CorrelationID is the caller's X-Correlation-Id, or a new one.
	CorrelationID string
	// TraceHeader is the invocation's X-Ray trace header, if traced.
	TraceHeader string
}

// Metadata links events that this request causes to it and to its trace.
func (r Request) Metadata() events.Metadata {
	return events.Metadata{CorrelationID: r.CorrelationID, CausationID: r.RequestContext.RequestID, TraceHeader: r.TraceHeader}
}

// Header returns a request header, whatever the case of its name (API
// Gateway sends them lower-cased, emulators often do not).
func (r Request) Header(name string) string {
	return header(r.Headers, name)
}

// Response is what a route returns on success: a status and a body that is
// encoded as JSON (none if nil).
type Response struct {
	Status int
	Body   any
	Header map[string]string
	// Events are the envelopes the request appended, which the request's
	// log line names.
	Events []events.Envelope
}

// Route serves one route key, such as "POST /users".
type Route func(ctx context.Context, req Request) (Response, error)

// Handler returns the Lambda handler that serves routes. It never returns an
// error to Lambda: every failure, a panic included, becomes a JSON response
// (a 4xx that names the problem, or a 500 that says "internal error" while
// the log says why), and each request is logged once, with the events it
// appended.
func Handler(log *slog.Logger, routes map[contract.Route]Route) func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, raw lambdaevents.APIGatewayV2HTTPRequest) (resp lambdaevents.APIGatewayV2HTTPResponse, _ error) {
		start := time.Now()
		req := Request{APIGatewayV2HTTPRequest: raw, TraceHeader: tracing.Header(ctx)}
		var (
			err      error
			appended []events.Envelope
		)
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				resp = errorResponse(err, raw.RequestContext.RequestID)
			}
			resp.Headers[CorrelationHeader] = req.CorrelationID
			logRequest(ctx, log, req, resp.StatusCode, time.Since(start), appended, err)
		}()

		if req.CorrelationID, err = correlationID(raw); err != nil {
			req.CorrelationID = uuid.NewString()
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		if contract.Route(raw.RouteKey) == contract.Fallback {
			err = unrouted(raw.RequestContext.HTTP.Method, raw.RawPath)
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		route, ok := routes[contract.Route(raw.RouteKey)]
		if !ok {
			err = failure.New(failure.NotFound, "no route %s", raw.RouteKey)
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		out, err := route(ctx, req)
		if err != nil {
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		appended = out.Events
		if resp, err = jsonResponse(out.Status, out.Body); err != nil {
			// Whatever the route did, the caller cannot be told: a 500,
			// logged with why.
			err = fmt.Errorf("encode the %d response: %w", out.Status, err)
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		for k, v := range out.Header {
			resp.Headers[k] = v
		}
		return resp, nil
	}
}

func correlationID(req lambdaevents.APIGatewayV2HTTPRequest) (string, error) {
	id := header(req.Headers, CorrelationHeader)
	if id == "" {
		return uuid.NewString(), nil
	}
	if !events.ValidTraceID(id) {
		return "", failure.InvalidField(CorrelationHeader, "must be 1 to 128 letters, digits or any of . _ : = + / -")
	}
	return id, nil
}

func header(h map[string]string, name string) string {
	if v, ok := h[strings.ToLower(name)]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// logRequest writes the request's one line. request_id is Lambda's id of
// the invocation, as in every function's lines and Lambda's REPORT line;
// api_request_id is API Gateway's, which error bodies show the caller and
// which the request's events carry as their causation id.
func logRequest(ctx context.Context, log *slog.Logger, req Request, status int, took time.Duration, appended []events.Envelope, err error) {
	attrs := []slog.Attr{
		logging.RequestID(ctx),
		slog.String("api_request_id", req.RequestContext.RequestID),
		slog.String("correlation_id", req.CorrelationID),
		slog.String("route", req.RouteKey),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	}
	if len(appended) > 0 {
		ids, types := make([]string, len(appended)), make([]string, len(appended))
		for i, env := range appended {
			ids[i], types[i] = env.EventID, env.EventType
		}
		// Comma-separated if a request ever appends several, so that the
		// keys keep one type in every line.
		attrs = append(attrs, slog.String("event_id", strings.Join(ids, ",")), slog.String("event_type", strings.Join(types, ",")))
	}
	level := slog.LevelInfo
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
		if status >= 500 {
			level = slog.LevelError
		}
	}
	log.LogAttrs(context.Background(), level, "request", attrs...)
}

// errorBody is the JSON every error response has.
type errorBody struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// unrouted is the failure of a request that no route of the API matched,
// which API Gateway hands to the fallback route: 405 if its path is a
// route's with other methods, 404 otherwise. The path is not echoed.
func unrouted(method, path string) error {
	var allow []string
	for _, r := range contract.Match(path) {
		allow = append(allow, r.Method())
	}
	if len(allow) == 0 {
		return failure.New(failure.NotFound, "no such resource; the API's routes are in its OpenAPI document")
	}
	return &failure.Error{Kind: failure.MethodNotAllowed, Allow: allow,
		Message: fmt.Sprintf("%s is not a method of this resource; it takes %s", jsoncheck.Truncate(method), strings.Join(allow, ", "))}
}

// errorResponse maps an error to its status and body: a failure's message
// for a 4xx, "internal error" for anything else.
func errorResponse(err error, requestID string) lambdaevents.APIGatewayV2HTTPResponse {
	fe := failure.Of(err)
	status, code := statusOf(fe.Kind)
	body := errorBody{Error: code, Message: sentence(fe.Field, fe.Message), Field: fe.Field, RequestID: requestID}
	if status >= 500 {
		body = errorBody{Error: code, Message: "internal error", RequestID: requestID}
	}
	resp, _ := jsonResponse(status, body) // an errorBody always encodes
	if len(fe.Allow) > 0 {
		resp.Headers["Allow"] = strings.Join(fe.Allow, ", ")
	}
	if fe.RetryAfter > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(int(math.Ceil(fe.RetryAfter.Seconds())))
	}
	return resp
}

// statusOf maps a kind of failure to its HTTP status and error code: the
// only place that decides a status for an error.
func statusOf(kind failure.Kind) (int, string) {
	switch kind {
	case failure.Invalid:
		return http.StatusBadRequest, "invalid"
	case failure.NotFound:
		return http.StatusNotFound, "not_found"
	case failure.Conflict:
		return http.StatusConflict, "conflict"
	case failure.Unprocessable:
		return http.StatusUnprocessableEntity, "unprocessable"
	case failure.TooLarge:
		return http.StatusRequestEntityTooLarge, "too_large"
	case failure.UnsupportedMediaType:
		return http.StatusUnsupportedMediaType, "unsupported_media_type"
	case failure.MethodNotAllowed:
		return http.StatusMethodNotAllowed, "method_not_allowed"
	case failure.TooManyRequests:
		return http.StatusTooManyRequests, "too_many_requests"
	}
	return http.StatusInternalServerError, "internal"
}

// sentence puts the field first: "email is already registered".
func sentence(field, message string) string {
	if field == "" {
		return message
	}
	return field + " " + message
}

// jsonResponse is a response with body encoded as JSON, or none, and no
// Content-Type, if body is nil.
func jsonResponse(status int, body any) (lambdaevents.APIGatewayV2HTTPResponse, error) {
	resp := lambdaevents.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	if body == nil {
		return resp, nil
	}
	resp.Headers["Content-Type"] = "application/json"
	b, err := json.Marshal(body)
	if err != nil {
		return resp, err
	}
	resp.Body = string(b)
	return resp, nil
}
