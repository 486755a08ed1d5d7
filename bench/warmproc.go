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

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/events"
	"github.com/eventshop/eventshop/keyring"
)

// The warm comparison runs each handler as Lambda does: a process of its
// own, fed batches of 10 SQS messages through a local Runtime API, calling
// AWS (the in-process awsStub) over the loopback with its real SDK
// clients. Its cost per message is the process's CPU time (user and
// system) over the measured batches, after warm-up batches, divided by
// their messages; the wall time from handing out a batch to its response
// is reported beside it.

// Tables of the warm run, distinct so that the stub tells them apart.
const (
	warmEventsTable      = "events"
	warmKeysTable        = "keys"
	warmIdempotencyTable = "idempotency"
)

// warmTarget is a handler's process, and its environment.
type warmTarget struct {
	name       string
	cmd        []string // the program and its arguments
	env        []string
	goMemStats bool // answers SIGUSR1 with its allocation counters (memstats.go)
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
func warmBatches(ctx context.Context, root string, stubURL string, n int) ([][]byte, error) {
	raw, err := os.ReadFile(filepath.Join(root, "events", "testdata", "sqs-message.json"))
	if err != nil {
		return nil, err
	}
	var template lambdaevents.SQSMessage
	if err := json.Unmarshal(raw, &template); err != nil {
		return nil, err
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(stubURL),
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
// own and a stub of its own.
type warmProc struct {
	t         warmTarget
	cmd       *exec.Cmd
	api, aws  *httptest.Server
	stub      *awsStub
	next      chan []byte
	responses chan string
	stats     chan [2]uint64
	mu        sync.Mutex
	stderr    strings.Builder
	wall      time.Duration
}

func startWarm(ctx context.Context, t warmTarget, stub *awsStub) (*warmProc, error) {
	p := &warmProc{t: t, stub: stub, next: make(chan []byte), responses: make(chan string, 1), stats: make(chan [2]uint64, 4)}
	p.aws = httptest.NewServer(stub)
	p.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/invocation/next"):
			select {
			case payload := <-p.next:
				w.Header().Set("Lambda-Runtime-Aws-Request-Id", uuid.NewString())
				w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
				w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:"+t.name)
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
		"AWS_LAMBDA_FUNCTION_NAME=" + t.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_ENDPOINT_URL=" + p.aws.URL, "TZ=UTC", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
	}, t.env...)
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
			var m, b uint64
			if _, err := fmt.Sscanf(sc.Text(), "benchstats mallocs=%d bytes=%d", &m, &b); err == nil {
				p.stats <- [2]uint64{m, b}
				continue
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
	p.aws.Close()
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

// memStats asks a Go handler for its allocation counters.
func (p *warmProc) memStats() ([2]uint64, error) {
	if !p.t.goMemStats {
		return [2]uint64{}, nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return [2]uint64{}, err
	}
	select {
	case s := <-p.stats:
		return s, nil
	case <-time.After(10 * time.Second):
		return [2]uint64{}, fmt.Errorf("%s: no allocation counters on SIGUSR1", p.t.name)
	}
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

// memStatsSource is added to a Go handler's main package for the warm run
// only (go build -overlay): on SIGUSR1 it prints the allocation counters,
// which the harness reads before and after the measured batches.
const memStatsSource = `package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
)

func init() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	go func() {
		for range c {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Fprintf(os.Stderr, "benchstats mallocs=%d bytes=%d\n", m.Mallocs, m.TotalAlloc)
		}
	}()
}
`

// buildWarm builds the Go package source (relative to root) into dir as
// Lambda's bootstraps are built, with memStatsSource added to it.
func buildWarm(ctx context.Context, root, dir, name, source string) (string, error) {
	stats := filepath.Join(dir, "memstats.go")
	if err := os.WriteFile(stats, []byte(memStatsSource), 0o644); err != nil {
		return "", err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, source, "zz_benchstats.go"): stats}})
	overlayFile := filepath.Join(dir, "overlay-"+name+".json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "warm-"+name)
	cmd := exec.CommandContext(ctx, "go", "build", "-overlay", overlayFile, "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bin, "./"+source)
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
// falls on all of them alike.
func measureWarmProcs(ctx context.Context, root string, targets []warmTarget, rounds, warmup, measured int, progress func(string)) (map[string][]warmResult, error) {
	seed := newAWSStub(warmKeysTable)
	srv := httptest.NewServer(seed)
	batches, err := warmBatches(ctx, root, srv.URL, warmup+measured)
	srv.Close()
	if err != nil {
		return nil, err
	}
	out := map[string][]warmResult{}
	for round := range rounds {
		procs := make([]*warmProc, len(targets))
		for i, t := range targets {
			stub := newAWSStub(warmKeysTable)
			stub.keys = seed.keys
			p, err := startWarm(ctx, t, stub)
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
		before := map[*warmProc][2]uint64{}
		cpu0 := map[*warmProc]time.Duration{}
		if err := each(0, func(p *warmProc) (err error) {
			p.stub.takeCalls()
			p.wall = 0
			if before[p], err = p.memStats(); err != nil {
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
			after, err := p.memStats()
			if err != nil {
				return nil, err
			}
			r := warmResult{Name: p.t.name, Messages: 10 * measured, CPU: cpu1 - cpu0[p], Wall: p.wall,
				Mallocs: after[0] - before[p][0], Bytes: after[1] - before[p][1], Calls: p.stub.takeCalls(), PeakRSS: peakRSS(p.cmd.Process.Pid)}
			out[p.t.name] = append(out[p.t.name], r)
			progress(fmt.Sprintf("warm round %d of %d: %s %.0f µs CPU, %.0f µs wall a message", round+1, rounds, r.Name, r.cpuPerMessage()/1000, r.wallPerMessage()/1000))
		}
		for _, p := range procs {
			p.close()
		}
	}
	return out, nil
}
