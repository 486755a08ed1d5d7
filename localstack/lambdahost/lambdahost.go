package lambdahost

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// Build compiles the Go package source (relative to root) into
// root/.local/functions/<name>/bootstrap for this machine, as the Makefile
// builds it for Lambda but for the host's OS and architecture.
func Build(ctx context.Context, root, source string) (string, error) {
	bin := filepath.Join(root, ".local", "functions", filepath.Base(source), "bootstrap")
	err := proc.Run(ctx, root, []string{"CGO_ENABLED=0"}, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "./"+source)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", source, err)
	}
	return bin, nil
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

// Host runs the instances of one function.
type Host struct {
	fn   provision.Function
	opts Options
	env  []string

	mu       sync.Mutex
	procs    []*proc.Process
	starts   int
	stopping bool
	wg       sync.WaitGroup
}

// Start starts the function's instances and keeps them running until Stop.
func Start(fn provision.Function, opts Options) (*Host, error) {
	if opts.Instances < 1 {
		opts.Instances = 1
	}
	if opts.LogName == "" {
		opts.LogName = fn.LogicalID
	}
	h := &Host{fn: fn, opts: opts, env: environment(fn, opts), procs: make([]*proc.Process, opts.Instances)}
	if err := Register(opts.EmulatorURL, fn.Name); err != nil {
		return nil, err
	}
	for i := range opts.Instances {
		p, err := h.start(i)
		if err != nil {
			h.Stop()
			return nil, err
		}
		h.wg.Go(func() { h.supervise(i, p) })
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
// endpoint of the emulator. Nothing of the runner's own environment leaks
// in, so a function that works here does not depend on the developer's
// shell; HOME is unset, so no ~/.aws profile is read either.
func environment(fn provision.Function, opts Options) []string {
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          strings.TrimPrefix(opts.EmulatorURL, "http://") + "/_runtime/" + fn.Name,
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
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// errStopping means the host is stopping and starts nothing new.
var errStopping = errors.New("stopping")

func (h *Host) start(i int) (*proc.Process, error) {
	name := h.opts.LogName
	if h.opts.Instances > 1 {
		name = fmt.Sprintf("%s#%d", name, i+1)
	}
	// Under the lock, so that Stop sees every instance it must stop.
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopping {
		return nil, errStopping
	}
	p, err := proc.Start(name, h.opts.Bootstrap, nil, h.env, h.opts.Log)
	if err != nil {
		return nil, err
	}
	h.procs[i] = p
	h.starts++
	return p, nil
}

// supervise restarts instance i whenever it exits, as Lambda replaces a
// crashed execution environment, backing off while it keeps crashing.
func (h *Host) supervise(i int, p *proc.Process) {
	backoff := 100 * time.Millisecond
	for {
		started := time.Now()
		<-p.Done()
		h.mu.Lock()
		stopping := h.stopping
		h.mu.Unlock()
		if stopping {
			return
		}
		if time.Since(started) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		fmt.Fprintf(h.opts.Log, "%-14s | exited (%v); starting it again in %v\n", h.opts.LogName, p.Err(), backoff)
		for {
			time.Sleep(backoff)
			backoff = min(backoff*2, 5*time.Second)
			next, err := h.start(i)
			if errors.Is(err, errStopping) {
				return
			}
			if err == nil {
				p = next
				break
			}
			fmt.Fprintf(h.opts.Log, "%-14s | %v\n", h.opts.LogName, err)
		}
	}
}

// Kill ends instance i abruptly, as a crash would; the host starts it
// again. Fault-injection tests use it.
func (h *Host) Kill(i int) {
	h.mu.Lock()
	p := h.procs[i%len(h.procs)]
	h.mu.Unlock()
	p.Kill()
}

// Instances is how many instances the function runs.
func (h *Host) Instances() int { return len(h.procs) }

// PIDs are the process ids of the instances running now.
func (h *Host) PIDs() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []int
	for _, p := range h.procs {
		if p != nil {
			out = append(out, p.PID())
		}
	}
	return out
}

// Starts counts how often instances were started, restarts included.
func (h *Host) Starts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.starts
}

// Stop ends every instance.
func (h *Host) Stop() {
	h.mu.Lock()
	h.stopping = true
	procs := append([]*proc.Process(nil), h.procs...)
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		if p != nil {
			wg.Go(func() { p.Stop(2 * time.Second) })
		}
	}
	wg.Wait()
	h.wg.Wait()
}

// DefaultInstances is how many instances each function runs by default:
// enough to overlap the I/O waits of a few invocations on a small machine.
func DefaultInstances() int { return max(2, runtime.NumCPU()) }
