package apiproxy

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/eventshop/eventshop/contract"
)

// New returns a handler that forwards every request to the HTTP API apiID
// of the emulator at emulatorURL, logging one line per request to log.
func New(emulatorURL, apiID string, log io.Writer) (http.Handler, error) {
	target, err := url.Parse(emulatorURL)
	if err != nil {
		return nil, err
	}
	host := fmt.Sprintf("%s.execute-api.localhost:%s", apiID, target.Port())
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = host
			r.SetXForwarded()
		},
		ErrorHandler: unavailable,
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(rec, r)
		fmt.Fprintf(log, "%-14s | %s %s → %d in %v\n", "api", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Millisecond))
	}), nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// unavailable answers a request that the emulator could not take — it is
// down, or restarting — as API Gateway answers when its integration cannot
// be reached: a 503, here in the API's own error shape, with the request's
// correlation id, so that a caller sees one kind of error whatever fails.
func unavailable(w http.ResponseWriter, r *http.Request, err error) {
	correlation := r.Header.Get(contract.CorrelationHeader)
	if correlation == "" || len(correlation) > 128 {
		correlation = uuid.NewString()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(contract.CorrelationHeader, correlation)
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error":   "unavailable",
		"message": "the local stack's emulator does not answer; is make local still running?",
	})
}
