package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/google/uuid"

	"github.com/eventshop/eventshop/bench/awsstub"
	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/keyring"
)

// The warm comparison runs each handler as Lambda does: a process of its
// own, fed batches of 10 SQS messages through a local Runtime API, calling
// AWS with its real SDK clients, which a stub (bench/awsstub) answers in
// one of two ways. In process, the goals' mode: the stub is the transport
// of the process's SDK clients (its http.RoundTripper; stub.mjs, the
// requestHandler of the peer's), so that the SDK's whole pipeline runs and
// only the socket goes. Over the loopback: the clients call
// AWS_ENDPOINT_URL, where the bench process answers. A handler's cost per
// message is the process's CPU time (user and system) over the measured
// batches, after warm-up batches, divided by their messages; the wall
// time from handing out a batch to its response is reported beside it.

// Tables of the warm run, distinct so that the stub tells them apart.
const (
	warmEventsTable      = "events"
	warmKeysTable        = "keys"
	warmIdempotencyTable = "idempotency"
)

// loopbackSuffix names a handler's run in the loopback mode:
// "eventshop/loopback".
const loopbackSuffix = "/loopback"

// stubEndpoint is AWS_ENDPOINT_URL in the in-process mode: the SDKs still
// resolve an endpoint and sign for it, and nothing listens there.
const stubEndpoint = "http://aws-stub.invalid"

// warmTarget is a handler's process, and its environment.
type warmTarget struct {
	name       string
	cmd        []string // the program and its arguments
	env        []string
	goMemStats bool // a Go handler built by buildWarm: answers SIGUSR2 with its allocation counters (bench/warmhook)
	inProcess  bool // its AWS calls are answered in its process, which answers SIGUSR2 with their count
}

// warmResult is one handler's warm run.
type warmResult struct {
	Name           string
	Messages       int
	CPU, Wall      time.Duration // over the measured messages
	Mallocs, Bytes uint64        // over the measured messages; Go handlers only
	Calls          map[string]int
	PeakRSS        int64
}

func (w warmResult) cpuPerMessage() float64 {
	return float64(w.CPU.Nanoseconds()) / float64(w.Messages)
}
func (w warmResult) wallPerMessage() float64 {
	return float64(w.Wall.Nanoseconds()) / float64(w.Messages)
}

// warmEnv is the environment of the notification function in the warm
// run: its contract's examples, with a distinct name for each table.
func warmEnv(fn contract.Function) []string {
	override := map[contract.Var]string{contract.EnvEventsTable: warmEventsTable, contract.EnvKeysTable: warmKeysTable,
		contract.EnvIdempotencyTable: warmIdempotencyTable, contract.EnvMailFrom: "shop@example.com",
		contract.EnvConsumerName: string(fn)}
	var env []string
	for _, v := range fn.Env() {
		value, ok := override[v]
		if !ok {
			value = v.Example()
		}
		env = append(env, string(v)+"="+value)
	}
	return env
}

// warmBatches returns n SQS events of 10 messages, each carrying a
// distinct user.registered, as EventBridge delivers it, for one of 10
// users whose data keys are kept in the stub's keys table.
func warmBatches(ctx context.Context, root string, stub *awsstub.Stub, n int) ([][]byte, error) {
	raw, err := os.ReadFile(filepath.Join(root, "events", "testdata", "sqs-message.json"))
	if err != nil {
		return nil, err
	}
	var template lambdaevents.SQSMessage
	if err := json.Unmarshal(raw, &template); err != nil {
		return nil, err
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(stubEndpoint), HTTPClient: stub.Client(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		})}
	ring := keyring.New(kms.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg), warmKeysTable, contract.EnvPersonalDataKey.Example())
	users := make([]events.UserRegistered, 10)
	for j := range users {
		key, err := ring.New(ctx, uuid.NewString())
		if err != nil {
			return nil, err
		}
		if err := ring.Keep(ctx, key); err != nil {
			return nil, err
		}
		sealed, err := keyring.Seal(key, events.Contact{Email: fmt.Sprintf("user%d@example.com", j), Name: "Bench Mark"})
		if err != nil {
			return nil, err
		}
		users[j] = events.UserRegistered{UserID: key.Subject(), Contact: sealed}
	}
	out := make([][]byte, n)
	for i := range out {
		var batch lambdaevents.SQSEvent
		for j := range 10 {
			env, err := events.New(users[j], events.Metadata{CorrelationID: uuid.NewString(), CausationID: uuid.NewString()})
			if err != nil {
				return nil, err
			}
			detail, err := json.Marshal(env)
			if err != nil {
				return nil, err
			}
			body, _ := json.Marshal(map[string]any{"version": "0", "id": uuid.NewString(), "detail-type": env.EventType,
				"source": env.Source, "account": "000000000000", "time": env.Timestamp, "region": "us-east-1", "resources": []string{},
				"detail": json.RawMessage(detail)})
			msg := template
			msg.MessageId, msg.Body = uuid.NewString(), string(body)
			batch.Records = append(batch.Records, msg)
		}
		if out[i], err = json.Marshal(batch); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// warmProc is a handler's process, started against a Runtime API of its
// own and a stub of its own: in its process, or in this one, over the
// loopback.
type warmProc struct {
	t         warmTarget
	cmd       *exec.Cmd
	api, aws  *httptest.Server // aws: the loopback mode's
	stub      *awsstub.Stub    // the loopback mode's
	next      chan []byte
	responses chan string
	stats     chan procStats
	mu        sync.Mutex
	stderr    strings.Builder
	wall      time.Duration
}

// procStats is a handler's line "benchstats {…}" (bench/warmhook, and
// stub.mjs for the peer, which reports calls only).
type procStats struct {
	Mallocs uint64         `json:"mallocs"`
	Bytes   uint64         `json:"bytes"`
	Calls   map[string]int `json:"calls"`
}

// startWarm starts a target's process, its stub's keys table holding
// keys: in the in-process mode, the stub in the process reads them from
// keysFile. With profile, a Go handler writes its CPU profile over the
// measured batches there.
func startWarm(ctx context.Context, t warmTarget, keys map[string]string, keysFile, profile string) (*warmProc, error) {
	env, endpoint := slices.Clone(t.env), stubEndpoint
	p := &warmProc{t: t, next: make(chan []byte), responses: make(chan string, 1), stats: make(chan procStats, 4)}
	if t.inProcess {
		env = append(env, awsstub.EnvMode+"="+awsstub.InProcess, awsstub.EnvKeys+"="+keysFile)
	} else {
		p.stub = awsstub.New(warmKeysTable)
		p.stub.SetKeys(keys)
		p.aws = httptest.NewServer(p.stub)
		endpoint = p.aws.URL
	}
	if profile != "" && t.goMemStats {
		env = append(env, "BENCH_CPUPROFILE="+profile) // warmhook.EnvCPUProfile
	}
	p.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/invocation/next"):
			select {
			case payload := <-p.next:
				w.Header().Set("Lambda-Runtime-Aws-Request-Id", uuid.NewString())
				w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
				w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:"+strings.TrimSuffix(t.name, loopbackSuffix))
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(payload)
			case <-r.Context().Done():
			}
		case strings.HasSuffix(r.URL.Path, "/response"):
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			p.responses <- string(body)
		default: // an init or invocation error
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			p.responses <- "error: " + string(body)
		}
	}))
	p.cmd = exec.CommandContext(ctx, t.cmd[0], t.cmd[1:]...)
	p.cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(p.api.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=" + strings.TrimSuffix(t.name, loopbackSuffix), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_ENDPOINT_URL=" + endpoint, "TZ=UTC", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
	}, env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), "benchstats "); ok {
				var s procStats
				if err := json.Unmarshal([]byte(line), &s); err == nil {
					p.stats <- s
					continue
				}
			}
			p.mu.Lock()
			if p.stderr.Len() < 4096 {
				p.stderr.WriteString(sc.Text() + "\n")
			}
			p.mu.Unlock()
		}
	}()
	return p, nil
}

func (p *warmProc) close() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.api.Close()
	if p.aws != nil {
		p.aws.Close()
	}
}

func (p *warmProc) lastErr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// invoke hands the process one batch and waits for its response.
func (p *warmProc) invoke(i int, payload []byte) error {
	start := time.Now()
	select {
	case p.next <- payload:
	case <-time.After(60 * time.Second):
		return fmt.Errorf("%s: asked for no invocation within 60s: %s", p.t.name, p.lastErr())
	}
	select {
	case body := <-p.responses:
		p.wall += time.Since(start)
		if strings.HasPrefix(body, "error") || strings.Contains(body, "itemIdentifier") {
			return fmt.Errorf("%s: batch %d failed: %.500s\n%s", p.t.name, i, body, p.lastErr())
		}
		return nil
	case <-time.After(60 * time.Second):
		return fmt.Errorf("%s: no response within 60s", p.t.name)
	}
}

// takeStats asks a handler for its allocation counters (a Go handler's)
// and the AWS calls counted since the last take, by the stub in its
// process or by the loopback's.
func (p *warmProc) takeStats() (procStats, error) {
	var s procStats
	if p.t.goMemStats || p.t.inProcess {
		if err := p.cmd.Process.Signal(syscall.SIGUSR2); err != nil {
			return s, err
		}
		select {
		case s = <-p.stats:
		case <-time.After(10 * time.Second):
			return s, fmt.Errorf("%s: no benchstats line on SIGUSR2: %s", p.t.name, p.lastErr())
		}
	}
	if p.stub != nil {
		s.Calls = p.stub.TakeCalls()
	}
	return s, nil
}

// cpuTime is the user and system time of a process and its threads, from
// Linux's /proc, in clock ticks of 10 ms.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest) // from field 3, state
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// The files added to a Go handler's build for the warm run only: to its
// main package (go build -overlay), bench/warmhook (the allocation counters
// and calls on SIGUSR2); to the AWS SDK's config package, the stub as the
// HTTP client of every aws.Config that config.LoadDefaultConfig loads —
// eventshop's (awsclient.Config) and the bare handler's alike — when the
// environment asks for it (awsstub.Process). Appended after the SDK's own
// resolvers, it replaces the HTTP client the SDK would build (its
// BuildableClient, an http.Client over an http.Transport) with an
// http.Client over the stub: what runs above the transport is unchanged.
// go build -overlay may not add files beneath GOMODCACHE, so the config
// package is built from a copy of its module, at the version go.mod
// requires, with the file added, through a go.mod of the build's own (go
// build -modfile) that replaces the module with the copy.
const (
	hookSource = `package main

import _ "github.com/eventshop/eventshop/bench/warmhook"
`
	configSource = `package config

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eventshop/eventshop/bench/awsstub"
)

func init() {
	stub := awsstub.Process()
	if stub == nil {
		return
	}
	defaultAWSConfigResolvers = append(defaultAWSConfigResolvers, func(_ context.Context, cfg *aws.Config, _ configs) error {
		cfg.HTTPClient = stub.Client()
		return nil
	})
}
`
)

const sdkConfig = "github.com/aws/aws-sdk-go-v2/config"

// warmModFile writes, into dir, the warm builds' go.mod and go.sum: the
// repository's, with the SDK's config module replaced by a copy of it
// (dir/sdk-config) to which configSource is added.
func warmModFile(ctx context.Context, root, dir string) (string, error) {
	list := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", sdkConfig)
	list.Dir = root
	out, err := list.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", sdkConfig, err)
	}
	src, dst := strings.TrimSpace(string(out)), filepath.Join(dir, "sdk-config")
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		switch {
		case d.IsDir() && (d.Name() == "testdata" || d.Name() == "codegen"):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		case strings.HasSuffix(path, "_test.go") || !(strings.HasSuffix(path, ".go") || d.Name() == "go.mod"):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dst, "zz_benchstub.go"), []byte(configSource), 0o644); err != nil {
		return "", err
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return "", err
	}
	modFile := filepath.Join(dir, "warm.mod")
	mod = fmt.Appendf(mod, "\nreplace %s => %s\n", sdkConfig, dst)
	if err := os.WriteFile(modFile, mod, 0o644); err != nil {
		return "", err
	}
	return modFile, os.WriteFile(filepath.Join(dir, "warm.sum"), sum, 0o644)
}

// buildWarm builds the Go package source (relative to root) into dir as
// Lambda's bootstraps are built, with the warm run's files added to it
// (modFile is warmModFile's).
func buildWarm(ctx context.Context, root, dir, modFile, name, source string) (string, error) {
	hook := filepath.Join(dir, name+"-zz_benchhook.go")
	if err := os.WriteFile(hook, []byte(hookSource), 0o644); err != nil {
		return "", err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, source, "zz_benchhook.go"): hook}})
	overlayFile := filepath.Join(dir, "overlay-"+name+".json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "warm-"+name)
	cmd := exec.CommandContext(ctx, "go", "build", "-modfile", modFile, "-overlay", overlayFile, "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bin, "./"+source)
	cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v\n%s", source, err, out)
	}
	return bin, nil
}

// measureWarmProcs runs every target rounds times. In a round, each
// target's process is started, with a stub of its own, and the processes
// take turns: each batch goes to every one of them, one after the other
// (in an order that rotates), so that whatever else loads the machine
// falls on all of them alike. With profileDir, each Go handler writes a
// CPU profile of its measured batches there, <name>-<round>.pprof.
func measureWarmProcs(ctx context.Context, root, dir string, targets []warmTarget, rounds, warmup, measured int, profileDir string, progress func(string)) (map[string][]warmResult, error) {
	seed := awsstub.New(warmKeysTable)
	batches, err := warmBatches(ctx, root, seed, warmup+measured)
	if err != nil {
		return nil, err
	}
	keys := seed.Keys()
	b, _ := json.Marshal(keys)
	keysFile := filepath.Join(dir, "stub-keys.json")
	if err := os.WriteFile(keysFile, b, 0o644); err != nil {
		return nil, err
	}
	out := map[string][]warmResult{}
	for round := range rounds {
		procs := make([]*warmProc, len(targets))
		for i, t := range targets {
			profile := ""
			if profileDir != "" {
				profile = filepath.Join(profileDir, fmt.Sprintf("%s-%d.pprof", strings.ReplaceAll(t.name, "/", "-"), round+1))
			}
			p, err := startWarm(ctx, t, keys, keysFile, profile)
			if err != nil {
				return nil, err
			}
			defer p.close()
			procs[i] = p
		}
		each := func(i int, f func(p *warmProc) error) error {
			for k := range procs {
				if err := f(procs[(i+k)%len(procs)]); err != nil {
					return err
				}
			}
			return nil
		}
		for i := range warmup {
			if err := each(i, func(p *warmProc) error { return p.invoke(i, batches[i]) }); err != nil {
				return nil, err
			}
		}
		before := map[*warmProc]procStats{}
		cpu0 := map[*warmProc]time.Duration{}
		if err := each(0, func(p *warmProc) (err error) {
			p.wall = 0
			if before[p], err = p.takeStats(); err != nil {
				return err
			}
			cpu0[p], err = cpuTime(p.cmd.Process.Pid)
			return err
		}); err != nil {
			return nil, err
		}
		for i := warmup; i < len(batches); i++ {
			if err := each(i, func(p *warmProc) error { return p.invoke(i, batches[i]) }); err != nil {
				return nil, err
			}
		}
		for _, p := range procs {
			cpu1, err := cpuTime(p.cmd.Process.Pid)
			if err != nil {
				return nil, err
			}
			after, err := p.takeStats()
			if err != nil {
				return nil, err
			}
			r := warmResult{Name: p.t.name, Messages: 10 * measured, CPU: cpu1 - cpu0[p], Wall: p.wall,
				Mallocs: after.Mallocs - before[p].Mallocs, Bytes: after.Bytes - before[p].Bytes, Calls: after.Calls, PeakRSS: peakRSS(p.cmd.Process.Pid)}
			out[p.t.name] = append(out[p.t.name], r)
			progress(fmt.Sprintf("warm round %d of %d: %s %.0f µs CPU, %.0f µs wall a message", round+1, rounds, r.Name, r.cpuPerMessage()/1000, r.wallPerMessage()/1000))
		}
		for _, p := range procs {
			p.close()
		}
	}
	return out, nil
}
