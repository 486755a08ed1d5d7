package lambdahost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventshop/eventshop/localstack/proc"
	"github.com/eventshop/eventshop/localstack/provision"
)

// Build compiles the Go packages sources (relative to root), each into
// root/.local/functions/<name>/bootstrap for this machine, as the Makefile
// builds them for Lambda but for the host's OS and architecture, and
// returns each bootstrap's path by source. It runs one go build for all of
// them: on a cold build cache, one build compiles each package they share
// once, where a build each would compile the AWS SDK once per function.
func Build(ctx context.Context, root string, sources []string) (map[string]string, error) {
	functions := filepath.Join(root, ".local", "functions")
	if err := os.MkdirAll(functions, 0o755); err != nil {
		return nil, err
	}
	// A directory of this build's own: tests in several packages may
	// build at once.
	tmp, err := os.MkdirTemp(functions, ".build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", tmp + string(filepath.Separator)}
	names := map[string]bool{}
	for _, src := range sources {
		if names[filepath.Base(src)] {
			return nil, fmt.Errorf("two functions are named %s: a bootstrap's directory is its package's name", filepath.Base(src))
		}
		names[filepath.Base(src)] = true
		args = append(args, "./"+src)
	}
	if err := proc.Run(ctx, root, []string{"CGO_ENABLED=0"}, "go", args...); err != nil {
		return nil, fmt.Errorf("build the functions: %w", err)
	}
	out := map[string]string{}
	for _, src := range sources {
		bin := filepath.Join(functions, filepath.Base(src), "bootstrap")
		if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
			return nil, err
		}
		// A rename: an instance running the old bootstrap keeps it.
		if err := os.Rename(filepath.Join(tmp, filepath.Base(src)), bin); err != nil {
			return nil, err
		}
		out[src] = bin
	}
	return out, nil
}

// Options configure a Host.
type Options struct {
	Bootstrap   string            // path of the built bootstrap
	EmulatorURL string            // e.g. http://127.0.0.1:4566
	Region      string            // AWS_REGION
	Instances   int               // concurrent instances; at least 1
	ExtraEnv    map[string]string // added to the template's environment, e.g. per-service endpoints
	Log         io.Writer         // each instance's output, prefixed with the function's name
	LogName     string            // the prefix; the logical id if empty
}

// Host runs the instances of one function. Each instance reaches the
// emulator's Runtime API through the host, so the host knows which
// invocation each instance is handling: when an instance dies with one,
// the host reports it failed at once, as Lambda does (Runtime.ExitError),
// rather than leave the caller waiting for the function's timeout.
//
// The host never abandons a request for an invocation that it has made
// to the emulator, since the emulator may be handing one over at that very
// moment and would then wait out the function's timeout for an answer. A
// slot's request outlives the instance that asked for it: if the instance
// dies, its successor in the slot takes over the request, and an
// invocation that arrives meanwhile waits for that successor, which is
// started at once, as Lambda starts an execution environment for an
// invocation.
type Host struct {
	fn     provision.Function
	opts   Options
	env    map[string]string // without the Runtime API, which is the instance's own
	server *http.Server
	api    string // host:port of the host's Runtime API
	client *http.Client
	ctx    context.Context // ends the requests for invocations at Stop
	cancel context.CancelFunc
	polls  sync.WaitGroup

	mu          sync.Mutex
	slots       []*instance
	pending     []*poll // by slot: its request for an invocation, if one is out
	byToken     map[string]*instance
	started     int // instances started, restarts included; also names them
	interrupted int
	invocations int
	crash       [2]int // invocations still to crash, by CrashPoint
	stopping    bool
	wg          sync.WaitGroup
}

// instance is one process of the function.
type instance struct {
	token  string // names the instance in the paths of its Runtime API
	slot   int
	p      *proc.Process
	ready  chan struct{} // closed when it first asks for an invocation
	once   sync.Once
	retire chan struct{} // closed when it is to be replaced

	// Guarded by Host.mu.
	inflight string // the request id of the invocation it is handling
	exited   bool   // the process is gone
	retiring bool   // being replaced: it gets no further invocation
}

// dead says whether the process has exited, which supervise may not have
// noted yet.
func (in *instance) dead() bool {
	select {
	case <-in.p.Done():
		return true
	default:
		return false
	}
}

// asked says whether the instance has asked for an invocation.
func (in *instance) asked() bool {
	select {
	case <-in.ready:
		return true
	default:
		return false
	}
}

// poll is a slot's request to the emulator for the next invocation.
type poll struct {
	done   chan struct{} // closed when the emulator has answered
	id     string        // the invocation's request id, if it handed one over
	status int
	header http.Header
	body   []byte
	err    error
}

// handedOver says whether the emulator answered with an invocation.
func (p *poll) handedOver() bool {
	select {
	case <-p.done:
		return p.id != ""
	default:
		return false
	}
}

// Start starts the function's instances and keeps them running until Stop.
func Start(fn provision.Function, opts Options) (*Host, error) {
	if opts.Instances < 1 {
		opts.Instances = 1
	}
	if opts.LogName == "" {
		opts.LogName = fn.LogicalID
	}
	h := &Host{fn: fn, opts: opts, env: environment(fn, opts), slots: make([]*instance, opts.Instances), pending: make([]*poll, opts.Instances),
		byToken: map[string]*instance{}, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * opts.Instances, IdleConnTimeout: time.Minute}}}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	if err := Register(opts.EmulatorURL, fn.Name); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API of %s: %w", fn.Name, err)
	}
	h.api = l.Addr().String()
	h.server = &http.Server{Handler: http.HandlerFunc(h.serveRuntime), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.server.Serve(l) }()
	for i := range opts.Instances {
		in, err := h.start(i)
		if err != nil {
			h.Stop()
			return nil, err
		}
		h.wg.Go(func() { h.supervise(i, in) })
	}
	return h, nil
}

// Register tells the emulator that the function has a runtime, by opening
// and abandoning one request for its next invocation. Until a runtime has
// polled once, the emulator fails an invoke at once; after, an invoke waits
// up to 30 s for an instance to take it, as Lambda waits for a cold start.
// So invocations that arrive while the bootstraps are still starting are
// served, not lost.
func Register(emulatorURL, function string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	url := emulatorURL + "/_runtime/" + function + "/2018-06-01/runtime/invocation/next"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		return fmt.Errorf("register %s with the emulator's runtime API: an invocation was waiting (%s)", function, resp.Status)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("register %s with the emulator's runtime API: %w", function, err)
	}
	return nil
}

// environment is what Lambda gives a provided.al2023 function, plus the
// endpoint of the emulator; the Runtime API is each instance's own. Nothing of the runner's own environment leaks
// in, so a function that works here does not depend on the developer's
// shell; HOME is unset, so no ~/.aws profile is read either.
func environment(fn provision.Function, opts Options) map[string]string {
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(fn.MemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      opts.Region,
		"AWS_DEFAULT_REGION":              opts.Region,
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_ENDPOINT_URL":                opts.EmulatorURL,
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                filepath.Dir(opts.Bootstrap),
		"TZ":                              "UTC",
		"PATH":                            os.Getenv("PATH"),
	}
	for k, v := range fn.Env {
		env[k] = v
	}
	for k, v := range opts.ExtraEnv {
		env[k] = v
	}
	return env
}

// environ is env as a process takes it, with the Runtime API at api.
func environ(env map[string]string, api string) []string {
	out := make([]string, 0, len(env)+1)
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	out = append(out, "AWS_LAMBDA_RUNTIME_API="+api)
	sort.Strings(out)
	return out
}

// errStopping means the host is stopping and starts nothing new.
var errStopping = errors.New("stopping")

func (h *Host) start(i int) (*instance, error) {
	name := h.opts.LogName
	if h.opts.Instances > 1 {
		name = fmt.Sprintf("%s#%d", name, i+1)
	}
	// Under the lock, so that Stop sees every instance it must stop, and
	// the Runtime API knows the instance before it calls.
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopping {
		return nil, errStopping
	}
	token := strconv.Itoa(h.started + 1)
	p, err := proc.Start(name, h.opts.Bootstrap, nil, environ(h.env, h.api+"/"+token), h.opts.Log)
	if err != nil {
		return nil, err
	}
	in := &instance{token: token, slot: i, p: p, ready: make(chan struct{}), retire: make(chan struct{})}
	h.slots[i] = in
	h.byToken[token] = in
	h.started++
	return in, nil
}

// supervise restarts instance i whenever it exits, as Lambda replaces a
// crashed execution environment, backing off while it keeps crashing —
// unless an invocation waits for the slot, or SetEnv replaced the
// instance, when it starts the next one at once.
func (h *Host) supervise(i int, in *instance) {
	backoff := 100 * time.Millisecond
	for {
		started := time.Now()
		<-in.p.Done()
		h.mu.Lock()
		in.exited = true
		delete(h.byToken, in.token)
		lost := in.inflight
		in.inflight = ""
		if lost != "" {
			h.interrupted++
		}
		// An instance that dies before it asks for an invocation fails the
		// one that waits for it, as a failed cold start fails the
		// invocation that started it; it would otherwise wait for an
		// instance that may never come.
		held := ""
		if p := h.pending[i]; p != nil && !in.asked() && p.handedOver() {
			held, h.pending[i] = p.id, nil
			h.interrupted++
		}
		stopping, replaced := h.stopping, in.retiring
		h.mu.Unlock()
		if lost != "" {
			h.fail(lost, exitMessage(in.p.Err()))
			fmt.Fprintf(h.opts.Log, "%-14s | exited (%v) during invocation %s, reported failed\n", h.opts.LogName, in.p.Err(), lost)
		}
		if held != "" {
			h.fail(held, exitMessage(in.p.Err()))
			fmt.Fprintf(h.opts.Log, "%-14s | exited (%v) as it started, with invocation %s waiting for it: reported failed\n", h.opts.LogName, in.p.Err(), held)
		}
		if stopping {
			return
		}
		if time.Since(started) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		if !replaced {
			fmt.Fprintf(h.opts.Log, "%-14s | exited (%v); starting it again in %v\n", h.opts.LogName, in.p.Err(), backoff)
		}
		for {
			if !replaced {
				h.waitBackoff(i, backoff)
				backoff = min(backoff*2, 5*time.Second)
			}
			next, err := h.start(i)
			if errors.Is(err, errStopping) {
				return
			}
			if err == nil {
				in = next
				break
			}
			replaced = false
			fmt.Fprintf(h.opts.Log, "%-14s | %v\n", h.opts.LogName, err)
		}
	}
}

// waitBackoff waits d before slot i starts its next instance, or less if
// the emulator hands the slot an invocation meanwhile.
func (h *Host) waitBackoff(i int, d time.Duration) {
	h.mu.Lock()
	var arrived <-chan struct{}
	if p := h.pending[i]; p != nil {
		arrived = p.done
	}
	h.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-arrived:
	}
}

// exitMessage is how Lambda reports an invocation whose runtime exited.
func exitMessage(err error) string {
	if err == nil {
		return "Runtime exited without providing a reason"
	}
	return "Runtime exited with error: " + err.Error()
}

// serveRuntime is the Runtime API of every instance, at /<token>/2018-06-01/…:
// it forwards to the emulator's and follows each instance's invocations.
func (h *Host) serveRuntime(w http.ResponseWriter, r *http.Request) {
	token, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	h.mu.Lock()
	in := h.byToken[token]
	h.mu.Unlock()
	if in == nil {
		http.Error(w, "no such instance", http.StatusGone)
		return
	}
	upstream := h.opts.EmulatorURL + "/_runtime/" + h.fn.Name + "/" + rest
	_, invocation, _ := strings.Cut(rest, "/runtime/invocation/")
	id, verb, _ := strings.Cut(invocation, "/")
	switch {
	case r.Method == http.MethodGet && invocation == "next":
		h.next(w, r, in, upstream)
	case r.Method == http.MethodPost && (verb == "response" || verb == "error"):
		h.answer(w, r, in, upstream, id)
	default:
		resp, err := h.forward(r.Context(), r, upstream)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		relay(w, resp)
	}
}

// next hands the instance the next invocation of its slot, from the
// slot's request to the emulator, which it makes if none is out. If the
// instance goes away first, the request stays out for its successor.
func (h *Host) next(w http.ResponseWriter, r *http.Request, in *instance, upstream string) {
	in.once.Do(func() { close(in.ready) })
	for {
		h.mu.Lock()
		if in.retiring || in.exited || h.stopping {
			// It is being replaced or stopped: it waits here until it is.
			h.mu.Unlock()
			<-r.Context().Done()
			return
		}
		p := h.pending[in.slot]
		if p == nil {
			p = h.poll(upstream)
			h.pending[in.slot] = p
		}
		h.mu.Unlock()
		select {
		case <-p.done:
		case <-in.retire:
			continue
		case <-r.Context().Done():
			return
		}
		h.mu.Lock()
		if h.pending[in.slot] != p || in.retiring || in.exited || in.dead() || r.Context().Err() != nil {
			// It went away, or is going, as the emulator answered: what
			// the emulator handed over waits for the slot's next instance.
			h.mu.Unlock()
			if r.Context().Err() != nil {
				return
			}
			continue
		}
		h.pending[in.slot] = nil
		crash := false
		if p.id != "" {
			// From here on the invocation is the instance's: if the
			// instance dies before it answers, supervise fails it.
			in.inflight = p.id
			h.invocations++
			if h.crash[OnReceive] > 0 {
				h.crash[OnReceive]--
				crash = true
			}
		}
		h.mu.Unlock()
		if p.err != nil {
			http.Error(w, p.err.Error(), http.StatusBadGateway)
			return
		}
		maps.Copy(w.Header(), p.header)
		w.WriteHeader(p.status)
		_, _ = w.Write(p.body)
		if crash {
			_ = http.NewResponseController(w).Flush()
			in.p.Kill()
		}
		return
	}
}

// poll asks the emulator for the next invocation. The request ends only
// with the emulator's answer, or at Stop.
func (h *Host) poll(url string) *poll {
	p := &poll{done: make(chan struct{})}
	h.polls.Go(func() {
		defer close(p.done)
		req, err := http.NewRequestWithContext(h.ctx, http.MethodGet, url, nil)
		if err != nil {
			p.err = err
			return
		}
		resp, err := h.client.Do(req)
		if err != nil {
			p.err = err
			return
		}
		defer resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		p.status, p.header = resp.StatusCode, resp.Header
		if p.body, p.err = io.ReadAll(resp.Body); p.err != nil {
			if id != "" {
				// Handed over, but not whole: nobody can run it.
				h.fail(id, "Runtime exited with error: the invocation was cut short on its way to the runtime")
			}
			return
		}
		if resp.StatusCode == http.StatusOK {
			p.id = id
		}
	})
	return p
}

// answer passes on an instance's response to, or error from, invocation
// id. Once the host has the whole answer, the invocation is over for the
// instance: the host delivers it even if the instance dies meanwhile.
func (h *Host) answer(w http.ResponseWriter, r *http.Request, in *instance, upstream, id string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the instance died as it answered; supervise fails the invocation
	}
	h.mu.Lock()
	crash := in.inflight == id && h.crash[OnAnswer] > 0
	if crash {
		h.crash[OnAnswer]--
	} else if in.inflight == id {
		in.inflight = ""
	}
	h.mu.Unlock()
	if crash {
		in.p.Kill() // supervise reports the invocation failed
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	resp, err := h.forward(ctx, r, upstream)
	if err != nil {
		fmt.Fprintf(h.opts.Log, "%-14s | pass on the answer to invocation %s: %v\n", h.opts.LogName, id, err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	relay(w, resp)
}

// forward sends r to the emulator at url.
func (h *Host) forward(ctx context.Context, r *http.Request, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, r.Method, url, r.Body)
	if err != nil {
		return nil, err
	}
	req.Header = r.Header.Clone()
	req.ContentLength = r.ContentLength
	return h.client.Do(req)
}

// relay writes an answer of the emulator to an instance.
func relay(w http.ResponseWriter, resp *http.Response) {
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// fail reports invocation id failed, as Lambda reports an invocation whose
// runtime exited.
func (h *Host) fail(id, message string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"errorMessage": message, "errorType": "Runtime.ExitError"})
	url := h.opts.EmulatorURL + "/_runtime/" + h.fn.Name + "/2018-06-01/runtime/invocation/" + id + "/error"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ExitError")
	resp, err := h.client.Do(req)
	if err != nil {
		fmt.Fprintf(h.opts.Log, "%-14s | report invocation %s failed: %v\n", h.opts.LogName, id, err)
		return
	}
	resp.Body.Close()
}

// CrashPoint is when in an invocation CrashNext crashes an instance.
type CrashPoint int

const (
	// OnReceive crashes an instance once it has been handed an
	// invocation: it may have begun the work, it cannot have finished it.
	OnReceive CrashPoint = iota
	// OnAnswer crashes an instance when it answers an invocation, before
	// the answer reaches Lambda: the work is done, the answer lost.
	OnAnswer
)

// CrashNext makes the next n invocations crash the instance that handles
// them, at point, replacing what an earlier call asked for that point (0
// crashes none). The host reports each failed and starts the instance
// again, as after any crash. Fault-injection tests use it to kill an
// instance mid-invocation for certain.
func (h *Host) CrashNext(n int, point CrashPoint) {
	h.mu.Lock()
	h.crash[point] = n
	h.mu.Unlock()
}

// Kill ends instance i abruptly, as a crash would; the host starts it
// again. It says whether there was a running process to kill. If the
// instance was handling an invocation, the host reports it failed.
// Fault-injection tests use it.
func (h *Host) Kill(i int) bool {
	h.mu.Lock()
	in := h.slots[i%len(h.slots)]
	h.mu.Unlock()
	select {
	case <-in.p.Done():
		return false
	default:
	}
	in.p.Kill()
	return true
}

// KillBusy kills an instance that is handling an invocation, if one is,
// and says whether it did.
func (h *Host) KillBusy() bool {
	h.mu.Lock()
	var busy *instance
	for _, in := range h.slots {
		if in != nil && in.inflight != "" && !in.exited {
			busy = in
			break
		}
	}
	h.mu.Unlock()
	if busy == nil {
		return false
	}
	busy.p.Kill()
	return true
}

// SetEnv changes the function's environment — an empty value removes a
// variable — and replaces its instances, one at a time, each between two
// invocations, never during one; the others go on serving. It returns once
// every instance runs with the new environment and is ready.
func (h *Host) SetEnv(ctx context.Context, vars map[string]string) error {
	h.mu.Lock()
	env := maps.Clone(h.env)
	for k, v := range vars {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	h.env = env
	h.mu.Unlock()
	for i := range h.slots {
		h.mu.Lock()
		old := h.slots[i]
		if !old.retiring {
			old.retiring = true
			close(old.retire)
		}
		h.mu.Unlock()
		for busy := true; busy; {
			h.mu.Lock()
			busy = old.inflight != "" && !old.exited
			h.mu.Unlock()
			if busy && !sleepCtx(ctx, 10*time.Millisecond) {
				return ctx.Err()
			}
		}
		old.p.Stop(2 * time.Second)
		if err := h.waitReady(ctx, i, old); err != nil {
			return err
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// Ready waits until every instance runs and has asked for an invocation.
func (h *Host) Ready(ctx context.Context) error {
	for i := range h.slots {
		if err := h.waitReady(ctx, i, nil); err != nil {
			return err
		}
	}
	return nil
}

// waitReady waits until slot i holds an instance other than old that has
// asked for an invocation. An instance that exits first is replaced by
// its supervisor, and the wait goes on with the replacement.
func (h *Host) waitReady(ctx context.Context, i int, old *instance) error {
	for {
		h.mu.Lock()
		in := h.slots[i]
		h.mu.Unlock()
		if in == old {
			if !sleepCtx(ctx, 10*time.Millisecond) {
				return ctx.Err()
			}
			continue
		}
		select {
		case <-in.ready:
			return nil
		case <-in.p.Done():
			if !sleepCtx(ctx, 10*time.Millisecond) {
				return ctx.Err()
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Instances is how many instances the function runs.
func (h *Host) Instances() int { return len(h.slots) }

// PIDs are the process ids of the instances running now.
func (h *Host) PIDs() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []int
	for _, in := range h.slots {
		if in != nil && !in.exited {
			out = append(out, in.p.PID())
		}
	}
	return out
}

// Starts counts how often instances were started, restarts included.
func (h *Host) Starts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started
}

// Invocations counts the invocations that instances took.
func (h *Host) Invocations() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.invocations
}

// Interrupted counts the invocations cut short because the instance
// handling them exited — killed or crashed — before it answered. The host
// reported each of them failed.
func (h *Host) Interrupted() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.interrupted
}

// Stop ends every instance.
func (h *Host) Stop() {
	h.mu.Lock()
	h.stopping = true
	var procs []*proc.Process
	for _, in := range h.slots {
		if in != nil {
			procs = append(procs, in.p)
		}
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() { p.Stop(2 * time.Second) })
	}
	wg.Wait()
	h.wg.Wait()
	h.cancel()
	h.polls.Wait()
	h.mu.Lock()
	var held []string
	for i, p := range h.pending {
		if p != nil && p.handedOver() {
			held = append(held, p.id)
		}
		h.pending[i] = nil
	}
	h.mu.Unlock()
	for _, id := range held {
		h.fail(id, "Runtime exited with error: the function stopped before it took the invocation")
	}
	if h.server != nil {
		_ = h.server.Close()
	}
}

// DefaultInstances is how many instances each function runs by default:
// enough to overlap the I/O waits of a few invocations on a small machine.
func DefaultInstances() int { return max(2, runtime.NumCPU()) }
