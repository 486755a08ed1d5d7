package apiproxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
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
