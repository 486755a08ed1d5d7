package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/functions/internal/failure"
	"github.com/eventshop/eventshop/functions/internal/tracing"
)

// CorrelationHeader carries a flow's correlation id in and out.
const CorrelationHeader = "X-Correlation-Id"

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
}

// Route serves one route key, such as "POST /users".
type Route func(ctx context.Context, req Request) (Response, error)

// Handler returns the Lambda handler that serves routes. It never returns an
// error to Lambda: every failure, a panic included, becomes a JSON response
// (a 4xx that names the problem, or a 500 that says "internal error" while
// the log says why), and each request is logged once.
func Handler(log *slog.Logger, routes map[string]Route) func(context.Context, lambdaevents.APIGatewayV2HTTPRequest) (lambdaevents.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, raw lambdaevents.APIGatewayV2HTTPRequest) (resp lambdaevents.APIGatewayV2HTTPResponse, _ error) {
		start := time.Now()
		req := Request{APIGatewayV2HTTPRequest: raw, TraceHeader: tracing.Header(ctx)}
		var err error
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				resp = errorResponse(err, raw.RequestContext.RequestID)
			}
			resp.Headers[CorrelationHeader] = req.CorrelationID
			logRequest(ctx, log, req, resp.StatusCode, time.Since(start), err)
		}()

		if req.CorrelationID, err = correlationID(raw); err != nil {
			req.CorrelationID = uuid.NewString()
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		route, ok := routes[raw.RouteKey]
		if !ok {
			err = &requestError{status: http.StatusNotFound, code: "not_found", message: "no route " + raw.RouteKey}
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		out, err := route(ctx, req)
		if err != nil {
			return errorResponse(err, raw.RequestContext.RequestID), nil
		}
		resp = jsonResponse(out.Status, out.Body)
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
		return "", &requestError{status: http.StatusBadRequest, code: "invalid", field: CorrelationHeader,
			message: "must be 1 to 128 letters, digits or any of . _ : = + / -"}
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

func logRequest(ctx context.Context, log *slog.Logger, req Request, status int, took time.Duration, err error) {
	attrs := []slog.Attr{
		slog.String("request_id", req.RequestContext.RequestID),
		slog.String("lambda_request_id", lambdaRequestID(ctx)),
		slog.String("correlation_id", req.CorrelationID),
		slog.String("route", req.RouteKey),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
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

// lambdaRequestID is the id Lambda gave the invocation, as in its REPORT
// lines.
func lambdaRequestID(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}

// errorBody is the JSON every error response has.
type errorBody struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

// errorResponse maps an error to its status and body.
func errorResponse(err error, requestID string) lambdaevents.APIGatewayV2HTTPResponse {
	var re *requestError
	if errors.As(err, &re) {
		return jsonResponse(re.status, errorBody{Error: re.code, Message: sentence(re.field, re.message), Field: re.field, RequestID: requestID})
	}
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Kind == failure.Internal {
		return jsonResponse(http.StatusInternalServerError, errorBody{Error: "internal", Message: "internal error", RequestID: requestID})
	}
	status, code := http.StatusBadRequest, "invalid"
	switch fe.Kind {
	case failure.NotFound:
		status, code = http.StatusNotFound, "not_found"
	case failure.Conflict:
		status, code = http.StatusConflict, "conflict"
	case failure.Unprocessable:
		status, code = http.StatusUnprocessableEntity, "unprocessable"
	}
	return jsonResponse(status, errorBody{Error: code, Message: sentence(fe.Field, fe.Message), Field: fe.Field, RequestID: requestID})
}

// sentence puts the field first: "email is already registered".
func sentence(field, message string) string {
	if field == "" {
		return message
	}
	return field + " " + message
}

func jsonResponse(status int, body any) lambdaevents.APIGatewayV2HTTPResponse {
	resp := lambdaevents.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
	}
	if body == nil {
		return resp
	}
	b, err := json.Marshal(body)
	if err != nil {
		return jsonResponse(http.StatusInternalServerError, errorBody{Error: "internal", Message: "internal error"})
	}
	resp.Body = string(b)
	return resp
}
