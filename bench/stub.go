package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// awsStub answers the AWS calls of a notification consumer, for every
// handler the warm comparison runs (eventshop's, the bare aws-lambda-go
// one, the Powertools peer) alike, over HTTP on the loopback, as the
// services' wire protocols have it: DynamoDB (JSON 1.0), KMS (JSON 1.1),
// SES v2 (REST JSON). Writes succeed, reads of the suppression stream find
// nothing, a data key read from the keys table is the one kept there, and
// KMS unwraps a data key by dropping wrapPrefix. It counts each operation,
// so that the report shows that the handlers make the same calls. Like
// the emulators, it sends no CRC32 of DynamoDB's answers (with one, the
// SDK's check of it costs the bare handler a connection now and then).
type awsStub struct {
	keysTable string

	mu    sync.Mutex
	keys  map[string]string // subject → the keys table's item, as DynamoDB JSON
	calls map[string]int    // "DynamoDB.PutItem idempotency" → count
	seen  map[string]bool   // the connections, by client address
}

// wrapPrefix is what the stub's KMS puts before a data key to "wrap" it.
const wrapPrefix = "wrapped by the stub:"

func newAWSStub(keysTable string) *awsStub {
	return &awsStub{keysTable: keysTable, keys: map[string]string{}, calls: map[string]int{}, seen: map[string]bool{}}
}

// takeCalls returns the calls counted since the last take, and resets them.
func (s *awsStub) takeCalls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = map[string]int{}
	return out
}

func (s *awsStub) count(call string) {
	s.mu.Lock()
	s.calls[call]++
	s.mu.Unlock()
}

func (s *awsStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	if !s.seen[r.RemoteAddr] {
		s.seen[r.RemoteAddr] = true
		s.calls["(a new connection)"]++
	}
	s.mu.Unlock()
	service, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	switch {
	case service == "DynamoDB_20120810":
		s.dynamoDB(w, op, body)
	case service == "TrentService":
		s.kms(w, op, body)
	case r.Method == http.MethodPost && r.URL.Path == "/v2/email/outbound-emails":
		s.count("SES.SendEmail")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"MessageId":"0100018f-stub-0000"}`)
	default:
		s.count("unknown " + r.Method + " " + r.URL.Path + " " + r.Header.Get("X-Amz-Target"))
		http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
	}
}

func (s *awsStub) dynamoDB(w http.ResponseWriter, op string, body []byte) {
	var in struct {
		TableName     string
		Item, Key     map[string]map[string]any
		TransactItems []map[string]struct{ TableName string }
	}
	_ = json.Unmarshal(body, &in)
	table := in.TableName
	for _, item := range in.TransactItems {
		for _, write := range item {
			table = write.TableName
		}
	}
	s.count(fmt.Sprintf("DynamoDB.%s %s", op, table))
	out := "{}"
	switch {
	case op == "PutItem" && table == s.keysTable:
		item, _ := json.Marshal(in.Item)
		subject, _ := in.Item["subject"]["S"].(string)
		s.mu.Lock()
		s.keys[subject] = string(item)
		s.mu.Unlock()
	case op == "GetItem" && table == s.keysTable:
		subject, _ := in.Key["subject"]["S"].(string)
		s.mu.Lock()
		if item, ok := s.keys[subject]; ok {
			out = `{"Item":` + item + `}`
		}
		s.mu.Unlock()
	case op == "Query":
		out = `{"Count":0,"Items":[],"ScannedCount":0}`
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = io.WriteString(w, out)
}

func (s *awsStub) kms(w http.ResponseWriter, op string, body []byte) {
	s.count("KMS." + op)
	var in struct {
		CiphertextBlob []byte
		KeyId          string
	}
	_ = json.Unmarshal(body, &in)
	var out any
	switch op {
	case "GenerateDataKey":
		plaintext := bytes.Repeat([]byte{byte(len(s.keys) + 1)}, 32)
		out = map[string]any{"KeyId": in.KeyId, "Plaintext": plaintext, "CiphertextBlob": append([]byte(wrapPrefix), plaintext...)}
	case "Decrypt":
		plaintext, ok := bytes.CutPrefix(in.CiphertextBlob, []byte(wrapPrefix))
		if !ok {
			http.Error(w, `{"__type":"InvalidCiphertextException"}`, http.StatusBadRequest)
			return
		}
		out = map[string]any{"KeyId": in.KeyId, "Plaintext": base64.StdEncoding.EncodeToString(plaintext)}
	default:
		out = map[string]any{}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// callsPerMessage reads counted calls as calls per message, sorted.
func callsPerMessage(calls map[string]int, messages int) []string {
	var out []string
	for _, call := range slices.Sorted(maps.Keys(calls)) {
		out = append(out, fmt.Sprintf("%s %.2f", call, float64(calls[call])/float64(messages)))
	}
	return out
}
