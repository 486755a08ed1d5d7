package apiproxy

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/eventshop/eventshop/contract"
)

func TestWithTheEmulatorDownTheAPIAnswers503InItsErrorShape(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	h, err := New(down, "api1", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, correlation := range []string{"flow-1", ""} {
		req := httptest.NewRequest(http.MethodPost, "/users", nil)
		if correlation != "" {
			req.Header.Set(contract.CorrelationHeader, correlation)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var body struct{ Error, Message string }
		if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error != "unavailable" || body.Message == "" {
			t.Errorf("got %d %s", rec.Code, rec.Body)
		}
		if got := rec.Header().Get(contract.CorrelationHeader); got == "" || (correlation != "" && got != correlation) {
			t.Errorf("%s = %q", contract.CorrelationHeader, got)
		}
	}
}
