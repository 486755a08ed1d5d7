package lambdahost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/localstack/lambdahost"
	"github.com/eventshop/eventshop/localstack/provision"
)

// The test binary is also the function: run with bootstrapEnv set, it
// serves the Runtime API as a Go Lambda function does.
const bootstrapEnv = "LAMBDAHOST_TEST_BOOTSTRAP"

// crashAtStartEnv names a file: while it exists, the function exits with
// status 3 as it starts, before it asks for an invocation.
const crashAtStartEnv = "LAMBDAHOST_TEST_CRASH_AT_START"

func TestMain(m *testing.M) {
	if os.Getenv(bootstrapEnv) != "" {
		if _, err := os.Stat(os.Getenv(crashAtStartEnv)); err == nil {
			os.Exit(3)
		}
		lambda.Start(func(ctx context.Context, in map[string]string) (map[string]string, error) {
			if code, err := strconv.Atoi(in["exit"]); err == nil {
				os.Exit(code) // a crash mid-invocation
			}
			return map[string]string{"echo": in["say"], "greeting": os.Getenv("GREETING")}, nil
		})
		return
	}
	os.Exit(m.Run())
}

// runtimeAPI stands in for the emulator's Runtime API: invoke hands a
// payload to the instance that polls next and waits for its answer.
type runtimeAPI struct {
	invocations chan invocation
	mu          sync.Mutex
	pending     map[string]chan result
	// handing, if set, runs after an invocation is taken off the queue and
	// before it is handed to the instance that polled.
	handing func(invocation)
}

type invocation struct {
	id      string
	payload []byte
}

type result struct {
	body    string
	errored bool
}

func startRuntimeAPI(t *testing.T) (*runtimeAPI, string) {
	r := &runtimeAPI{invocations: make(chan invocation), pending: map[string]chan result{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv.URL
}

func (r *runtimeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, path, _ := strings.Cut(req.URL.Path, "/runtime/")
	switch {
	case req.Method == http.MethodGet && path == "invocation/next":
		select {
		case inv := <-r.invocations:
			if r.handing != nil {
				r.handing(inv)
			}
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:fn")
			_, _ = w.Write(inv.payload)
		case <-req.Context().Done():
		}
	case req.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		parts := strings.Split(path, "/")
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		ch := r.pending[parts[1]]
		r.mu.Unlock()
		if ch != nil {
			ch <- result{body: string(body), errored: parts[2] == "error"}
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

// invoke hands payload to an instance and returns its answer.
func (r *runtimeAPI) invoke(t *testing.T, payload string) result {
	t.Helper()
	id := uuid.NewString()
	ch := make(chan result, 1)
	r.mu.Lock()
	r.pending[id] = ch
	r.mu.Unlock()
	timeout := time.After(20 * time.Second)
	select {
	case r.invocations <- invocation{id: id, payload: []byte(payload)}:
	case <-timeout:
		t.Fatal("no instance took the invocation")
	}
	select {
	case res := <-ch:
		return res
	case <-timeout:
		t.Fatal("no answer to the invocation")
	}
	return result{}
}

func startHost(t *testing.T, emulator string, instances int) *lambdahost.Host {
	t.Helper()
	return startHostWithEnv(t, emulator, instances, nil)
}

// startHostWithEnv is startHost with env added to the function's.
func startHostWithEnv(t *testing.T, emulator string, instances int, env map[string]string) *lambdahost.Host {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string]string{bootstrapEnv: "1"}
	maps.Copy(extra, env)
	h, err := lambdahost.Start(provision.Function{LogicalID: "Fn", Name: "fn", MemoryMB: 128, Env: map[string]string{"GREETING": "hello"}},
		lambdahost.Options{Bootstrap: self, EmulatorURL: emulator, Region: "us-east-1", Instances: instances,
			ExtraEnv: extra, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return h
}

func answer(t *testing.T, res result) map[string]string {
	t.Helper()
	if res.errored {
		t.Fatalf("the invocation failed: %s", res.body)
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatalf("answer %q: %v", res.body, err)
	}
	return out
}

func TestAnInvocationReachesAnInstanceAndItsAnswerComesBack(t *testing.T) {
	api, url := startRuntimeAPI(t)
	h := startHost(t, url, 2)
	for i := range 4 {
		got := answer(t, api.invoke(t, fmt.Sprintf(`{"say":"%d"}`, i)))
		if got["echo"] != fmt.Sprint(i) || got["greeting"] != "hello" {
			t.Errorf("answer %d = %v", i, got)
		}
	}
	if h.Invocations() != 4 || h.Interrupted() != 0 || h.Starts() != 2 {
		t.Errorf("invocations %d, interrupted %d, starts %d; want 4, 0, 2", h.Invocations(), h.Interrupted(), h.Starts())
	}
}

func TestAnInstanceThatDiesMidInvocationFailsItAtOnceAndIsStartedAgain(t *testing.T) {
	for _, tt := range []struct {
		name  string
		point lambdahost.CrashPoint
	}{
		{"as it takes the invocation", lambdahost.OnReceive},
		{"as it answers", lambdahost.OnAnswer},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api, url := startRuntimeAPI(t)
			h := startHost(t, url, 1)
			h.CrashNext(1, tt.point)
			res := api.invoke(t, `{"say":"doomed"}`)
			if !res.errored || !strings.Contains(res.body, "Runtime.ExitError") {
				t.Errorf("the interrupted invocation answered %q, want a Runtime.ExitError", res.body)
			}
			if h.Interrupted() != 1 {
				t.Errorf("interrupted = %d, want 1", h.Interrupted())
			}
			if got := answer(t, api.invoke(t, `{"say":"again"}`)); got["echo"] != "again" {
				t.Errorf("after the crash: %v", got)
			}
			if h.Starts() != 2 || h.Interrupted() != 1 {
				t.Errorf("starts %d, interrupted %d; want 2 and 1", h.Starts(), h.Interrupted())
			}
		})
	}
}

func TestKillingAnIdleInstanceInterruptsNothing(t *testing.T) {
	api, url := startRuntimeAPI(t)
	h := startHost(t, url, 1)
	answer(t, api.invoke(t, `{}`))
	if !h.Kill(0) {
		t.Fatal("Kill found no process to kill")
	}
	if h.KillBusy() {
		t.Error("KillBusy killed an instance that had no invocation")
	}
	answer(t, api.invoke(t, `{}`))
	if h.Interrupted() != 0 || h.Starts() != 2 {
		t.Errorf("interrupted %d, starts %d; want 0 and 2", h.Interrupted(), h.Starts())
	}
}

func TestSetEnvReplacesEveryInstanceBetweenInvocations(t *testing.T) {
	api, url := startRuntimeAPI(t)
	h := startHost(t, url, 2)
	answer(t, api.invoke(t, `{}`))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := h.SetEnv(ctx, map[string]string{"GREETING": "bonjour"}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if got := answer(t, api.invoke(t, `{}`)); got["greeting"] != "bonjour" {
			t.Errorf("greeting %q after SetEnv", got["greeting"])
		}
	}
	if err := h.SetEnv(ctx, map[string]string{"GREETING": ""}); err != nil {
		t.Fatal(err)
	}
	if got := answer(t, api.invoke(t, `{}`)); got["greeting"] != "" {
		t.Errorf("greeting %q after removing it", got["greeting"])
	}
	if h.Starts() != 6 || h.Interrupted() != 0 {
		t.Errorf("starts %d, interrupted %d; want 6 and 0", h.Starts(), h.Interrupted())
	}
}

func TestAProcessThatExitsMidInvocationFailsItAtOnceWithItsExitStatus(t *testing.T) {
	api, url := startRuntimeAPI(t)
	h := startHost(t, url, 1)
	began := time.Now()
	res := api.invoke(t, `{"exit":"2"}`)
	t.Logf("the invocation failed %v after it began", time.Since(began).Round(time.Millisecond))
	if !res.errored || !strings.Contains(res.body, "Runtime.ExitError") || !strings.Contains(res.body, "Runtime exited with error: exit status 2") {
		t.Errorf("the invocation answered %q, want a Runtime.ExitError for exit status 2", res.body)
	}
	if got := answer(t, api.invoke(t, `{"say":"again"}`)); got["echo"] != "again" {
		t.Errorf("after the exit: %v", got)
	}
	if h.Interrupted() != 1 || h.Starts() != 2 {
		t.Errorf("interrupted %d, starts %d; want 1 and 2", h.Interrupted(), h.Starts())
	}
}

func TestAnInvocationHandedOverAsTheProcessDiesGoesToItsSuccessor(t *testing.T) {
	api, url := startRuntimeAPI(t)
	h := startHost(t, url, 1)
	// The emulator has taken the invocation off its queue for the
	// instance's request when the instance dies: it answers that request
	// only once the next instance runs. Abandoning the request would lose
	// the invocation, which the emulator would wait out to its timeout.
	var once sync.Once
	api.handing = func(invocation) {
		once.Do(func() {
			h.Kill(0)
			for deadline := time.Now().Add(10 * time.Second); h.Starts() < 2 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	if got := answer(t, api.invoke(t, `{"say":"survivor"}`)); got["echo"] != "survivor" {
		t.Errorf("answer %v", got)
	}
	if h.Starts() != 2 || h.Interrupted() != 0 || h.Invocations() != 1 {
		t.Errorf("starts %d, interrupted %d, invocations %d; want 2, 0, 1", h.Starts(), h.Interrupted(), h.Invocations())
	}
}

func TestAnInstanceThatDiesAsItStartsFailsTheInvocationWaitingForIt(t *testing.T) {
	api, url := startRuntimeAPI(t)
	crash := filepath.Join(t.TempDir(), "crash")
	h := startHostWithEnv(t, url, 1, map[string]string{crashAtStartEnv: crash})
	// The invocation is handed over as the instance dies, so it waits for
	// the next instance, which exits as it starts.
	var once sync.Once
	api.handing = func(invocation) {
		once.Do(func() {
			if err := os.WriteFile(crash, nil, 0o600); err != nil {
				t.Error(err)
			}
			h.Kill(0)
			for deadline := time.Now().Add(10 * time.Second); len(h.PIDs()) > 0 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	res := api.invoke(t, `{"say":"waiting"}`)
	if !res.errored || !strings.Contains(res.body, "Runtime exited with error: exit status 3") {
		t.Errorf("the waiting invocation answered %q, want a Runtime.ExitError for exit status 3", res.body)
	}
	if err := os.Remove(crash); err != nil {
		t.Fatal(err)
	}
	if got := answer(t, api.invoke(t, `{"say":"after"}`)); got["echo"] != "after" {
		t.Errorf("once instances start again: %v", got)
	}
	if h.Interrupted() != 1 {
		t.Errorf("interrupted %d, want 1", h.Interrupted())
	}
}
