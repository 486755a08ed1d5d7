// Package awsstub answers the AWS calls of a notification consumer for
// make bench's warm comparison, for every handler it runs (eventshop's,
// the bare aws-lambda-go one, the Powertools peer, whose stub.mjs is a
// port of this one) alike, as the services' wire protocols have it:
// DynamoDB (JSON 1.0), KMS (JSON 1.1), SES v2 (REST JSON). Writes succeed,
// reads of the suppression stream find nothing, a data key read from the
// keys table is the one kept there, and KMS unwraps a data key by dropping
// WrapPrefix. It counts each operation, so that the report shows that the
// handlers make the same calls. Like the emulators, it sends no CRC32 of
// DynamoDB's answers.
//
// A Stub answers in two ways: over HTTP (ServeHTTP, the loopback mode:
// the handler's SDK clients reach it at AWS_ENDPOINT_URL), or in the
// handler's own process, as the http.RoundTripper of its SDK clients
// (RoundTrip, the in-process mode: the SDK's whole client pipeline runs —
// serialization, signing, retries, deserialization — and only the socket
// goes). In the in-process mode, make bench builds the Go handlers with
// files added by go build -overlay (bench/warmproc.go): one in the SDK's
// config package that hands Process() to every aws.Config that
// config.LoadDefaultConfig loads, one in the main package that imports
// bench/warmhook.
package awsstub

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The environment of a handler whose AWS calls the stub answers in its
// process.
const (
	EnvMode      = "BENCH_AWS_STUB"      // InProcess, or unset
	EnvKeys      = "BENCH_AWS_STUB_KEYS" // a JSON file: subject → the keys table's item, as DynamoDB JSON
	EnvKeysTable = "KEYS_TABLE"          // the handler's own
	InProcess    = "in-process"
)

// WrapPrefix is what the stub's KMS puts before a data key to "wrap" it.
const WrapPrefix = "wrapped by the stub:"

// Stub answers the consumer's AWS calls, and counts them.
type Stub struct {
	keysTable string

	mu    sync.Mutex
	keys  map[string]string // subject → the keys table's item, as DynamoDB JSON
	calls map[string]int    // "DynamoDB.PutItem idempotency" → count
	seen  map[string]bool   // the connections, by client address (ServeHTTP)
}

// New returns a stub whose keys table is named keysTable.
func New(keysTable string) *Stub {
	return &Stub{keysTable: keysTable, keys: map[string]string{}, calls: map[string]int{}, seen: map[string]bool{}}
}

// Keys returns the items of the keys table, by subject.
func (s *Stub) Keys() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.keys)
}

// SetKeys replaces the items of the keys table.
func (s *Stub) SetKeys(keys map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = maps.Clone(keys)
}

// TakeCalls returns the calls counted since the last take, and resets them.
func (s *Stub) TakeCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = map[string]int{}
	return out
}

func (s *Stub) count(call string) {
	s.mu.Lock()
	s.calls[call]++
	s.mu.Unlock()
}

// ServeHTTP answers a call over HTTP, and counts the connections.
func (s *Stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	if !s.seen[r.RemoteAddr] {
		s.seen[r.RemoteAddr] = true
		s.calls["(a new connection)"]++
	}
	s.mu.Unlock()
	status, contentType, out := s.answer(r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), body)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// RoundTrip answers a call in the caller's process, as an HTTP server
// would: the status, Content-Type, Content-Length and Date, the body.
func (s *Stub) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	status, contentType, out := s.answer(r.Method, r.URL.Path, r.Header.Get("X-Amz-Target"), body)
	return &http.Response{Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: r, ContentLength: int64(len(out)),
		Header: http.Header{"Content-Type": {contentType}, "Content-Length": {strconv.Itoa(len(out))},
			"Date": {time.Now().UTC().Format(http.TimeFormat)}},
		Body: io.NopCloser(bytes.NewReader(out))}, nil
}

// answer is the stub's answer to a call: its status, content type and
// body.
func (s *Stub) answer(method, path, target string, body []byte) (int, string, []byte) {
	service, op, _ := strings.Cut(target, ".")
	switch {
	case service == "DynamoDB_20120810":
		return http.StatusOK, "application/x-amz-json-1.0", s.dynamoDB(op, body)
	case service == "TrentService":
		return s.kms(op, body)
	case method == http.MethodPost && path == "/v2/email/outbound-emails":
		s.count("SES.SendEmail")
		return http.StatusOK, "application/json", []byte(`{"MessageId":"0100018f-stub-0000"}`)
	default:
		s.count("unknown " + method + " " + path + " " + target)
		return http.StatusBadRequest, "application/json", []byte(`{"__type":"UnknownOperationException"}`)
	}
}

func (s *Stub) dynamoDB(op string, body []byte) []byte {
	table := lastString(body, `"TableName":"`) // of a transaction, its last write's
	s.count("DynamoDB." + op + " " + table)
	switch {
	case op == "PutItem" && table == s.keysTable:
		var in struct{ Item json.RawMessage }
		_ = json.Unmarshal(body, &in)
		subject := lastString(in.Item, `"subject":{"S":"`)
		s.mu.Lock()
		s.keys[subject] = string(in.Item)
		s.mu.Unlock()
	case op == "GetItem" && table == s.keysTable:
		subject := lastString(body, `"subject":{"S":"`)
		s.mu.Lock()
		item, ok := s.keys[subject]
		s.mu.Unlock()
		if ok {
			return []byte(`{"Item":` + item + `}`)
		}
	case op == "Query":
		return []byte(`{"Count":0,"Items":[],"ScannedCount":0}`)
	}
	return []byte("{}")
}

// lastString reads the string after the last occurrence of prefix in a
// request's JSON, without decoding the request, so that the stub's own
// work stays small beside the handler's: the SDKs write compact JSON, in
// which a prefix that begins with a quote is never inside a string (whose
// quotes are escaped), and the strings read here (table names, key
// subjects) have no escapes.
func lastString(body []byte, prefix string) string {
	i := bytes.LastIndex(body, []byte(prefix))
	if i < 0 {
		return ""
	}
	rest := body[i+len(prefix):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

func (s *Stub) kms(op string, body []byte) (int, string, []byte) {
	s.count("KMS." + op)
	var in struct {
		CiphertextBlob []byte
		KeyId          string
	}
	_ = json.Unmarshal(body, &in)
	var out any
	switch op {
	case "GenerateDataKey":
		s.mu.Lock()
		n := len(s.keys)
		s.mu.Unlock()
		plaintext := bytes.Repeat([]byte{byte(n + 1)}, 32)
		out = map[string]any{"KeyId": in.KeyId, "Plaintext": plaintext, "CiphertextBlob": append([]byte(WrapPrefix), plaintext...)}
	case "Decrypt":
		plaintext, ok := bytes.CutPrefix(in.CiphertextBlob, []byte(WrapPrefix))
		if !ok {
			return http.StatusBadRequest, "application/x-amz-json-1.1", []byte(`{"__type":"InvalidCiphertextException"}`)
		}
		out = map[string]any{"KeyId": in.KeyId, "Plaintext": base64.StdEncoding.EncodeToString(plaintext)}
	default:
		out = map[string]any{}
	}
	b, _ := json.Marshal(out)
	return http.StatusOK, "application/x-amz-json-1.1", b
}

// CallsPerMessage reads counted calls as calls per message, sorted.
func CallsPerMessage(calls map[string]int, messages int) []string {
	var out []string
	for _, call := range slices.Sorted(maps.Keys(calls)) {
		out = append(out, fmt.Sprintf("%s %.2f", call, float64(calls[call])/float64(messages)))
	}
	return out
}

// Process is the stub that answers this process's AWS calls, when the
// environment asks for it (EnvMode=InProcess), with the keys table's items
// from the file EnvKeys names; otherwise nil.
var Process = sync.OnceValue(func() *Stub {
	if os.Getenv(EnvMode) != InProcess {
		return nil
	}
	s := New(os.Getenv(EnvKeysTable))
	if path := os.Getenv(EnvKeys); path != "" {
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, &s.keys)
		}
		if err != nil {
			panic(fmt.Sprintf("awsstub: the keys table's items: %v", err))
		}
	}
	return s
})

// Client is the HTTP client of an SDK whose calls the stub answers in
// process: net/http's, with the stub as its transport.
func (s *Stub) Client() *http.Client { return &http.Client{Transport: s} }
