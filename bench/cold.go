package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eventshop/eventshop/contract"
)

// coldTarget is a bootstrap to start cold, with the first event it gets:
// one it can answer without the network, so that the measurement is the
// function's own start, not a round trip.
type coldTarget struct {
	name    string
	source  string // Go package, relative to the checkout
	env     []string
	payload string
}

// coldTargets are hello-world, the reference, then each function of the
// stack after its floor: a bootstrap of the same clients and nothing else
// (floor.go). The floor and its function start one after the other in
// every round (measureCold), so that the ratio of the two is paired in
// time.
var coldTargets = append([]coldTarget{{name: "hello-world", source: "bench/hello", payload: `{}`}}, functionTargets()...)

// coldTarget's floor is named for its function.
const floorPrefix = "floor:"

func (t coldTarget) isFloor() bool    { return strings.HasPrefix(t.name, floorPrefix) }
func (t coldTarget) function() string { return strings.TrimPrefix(t.name, floorPrefix) }
func (t coldTarget) binary() string   { return strings.ReplaceAll(t.name, ":", "-") }

// functionTargets starts each function with an example of the environment
// its contract gives it, and an event it answers without the network: an
// invalid id for an HTTP function, an empty batch for the others; and its
// floor with the same environment and event.
func functionTargets() []coldTarget {
	request := func(route contract.Route, param, value string) string {
		return fmt.Sprintf(`{"version":"2.0","routeKey":%q,"rawPath":"/x","headers":{},"pathParameters":{%q:%q},`+
			`"requestContext":{"requestId":"r-1","http":{"method":"GET","path":"/x"}},"isBase64Encoded":false}`, route, param, value)
	}
	payloads := map[contract.Function]string{
		contract.User:  request(contract.GetUser, contract.ParamUserID, "not-a-uuid"),
		contract.Order: request(contract.GetOrder, contract.ParamOrderID, "42"),
	}
	var out []coldTarget
	for _, fn := range contract.Functions() {
		t := coldTarget{name: string(fn), source: fn.Source(), payload: cmp.Or(payloads[fn], `{"Records":[]}`)}
		for _, v := range fn.Env() {
			t.env = append(t.env, string(v)+"="+v.Example())
		}
		floor := t
		floor.name, floor.source = floorPrefix+string(fn), floorDir(fn)
		out = append(out, floor, t)
	}
	return out
}

// coldRun is one cold start: from exec to the first request for an
// invocation, and to the first response.
type coldRun struct {
	Next, Response time.Duration
}

// coldCopies is how many copies of each bootstrap the rounds take turns
// with: byte-identical copies of one binary, each a file of its own, start
// up to a tenth apart from each other (where the page cache put each), so
// one copy alone would judge the binary by its luck.
const coldCopies = 6

// copyPath is the path of a bootstrap's copy n (0 is the one built).
func copyPath(path string, n int) string {
	if n == 0 {
		return path
	}
	return fmt.Sprintf("%s.%d", path, n)
}

// buildHost builds the bootstraps for this machine, as Lambda's are built
// (stripped, no RPC), into dir, with coldCopies-1 copies of each.
func buildHost(ctx context.Context, root, dir string) error {
	for _, t := range coldTargets {
		path := filepath.Join(dir, t.binary())
		cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", path, "./"+t.source)
		cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", t.source, err, out)
		}
		bin, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for n := 1; n < coldCopies; n++ {
			if err := os.WriteFile(copyPath(path, n), bin, 0o755); err != nil {
				return err
			}
		}
	}
	return nil
}

// measureCold starts every bootstrap in dir runs times against a Runtime
// API of its own and times each start. The bootstraps take turns, round
// after round, so that whatever else the machine does falls on all of
// them alike rather than on whichever ran during it; each round starts
// the next of each bootstrap's copies, and a function and its floor start
// one right after the other, the floor first in even rounds and second in
// odd ones.
func measureCold(ctx context.Context, dir string, runs int, progress func(round int)) ([][]coldRun, error) {
	out := make([][]coldRun, len(coldTargets))
	for round := range runs {
		order := make([]int, len(coldTargets))
		for i := range order {
			order[i] = i
		}
		for i := 1; round%2 == 1 && i+1 < len(order); i++ {
			if coldTargets[order[i]].isFloor() {
				order[i], order[i+1] = order[i+1], order[i]
				i++
			}
		}
		for _, i := range order {
			t := coldTargets[i]
			r, err := coldOnce(ctx, []string{copyPath(filepath.Join(dir, t.binary()), round%coldCopies)}, t)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.name, err)
			}
			out[i] = append(out[i], r)
		}
		progress(round)
	}
	return out, nil
}

// coldOnce starts the program argv with its arguments, as t, once.
func coldOnce(ctx context.Context, argv []string, t coldTarget) (coldRun, error) {
	var (
		mu             sync.Mutex
		start          time.Time
		next, response time.Duration
		served         bool
		done           = make(chan struct{})
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		switch {
		case strings.HasSuffix(r.URL.Path, "/invocation/next"):
			mu.Lock()
			first := !served
			if first {
				served, next = true, now.Sub(start)
			}
			mu.Unlock()
			if !first {
				<-r.Context().Done() // the next invocation never comes
				return
			}
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "cold-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(now.Add(10*time.Second).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:"+t.name)
			_, _ = io.WriteString(w, t.payload)
		case strings.HasSuffix(r.URL.Path, "/response") || strings.HasSuffix(r.URL.Path, "/error"):
			mu.Lock()
			response = now.Sub(start)
			mu.Unlock()
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusAccepted)
			close(done)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer api.Close()

	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append([]string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(api.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=" + t.name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_ENDPOINT_URL=http://127.0.0.1:1", "TZ=UTC",
	}, t.env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	mu.Lock()
	start = time.Now()
	mu.Unlock()
	if err := cmd.Start(); err != nil {
		return coldRun{}, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		return coldRun{}, fmt.Errorf("no response within 10s")
	}
	mu.Lock()
	defer mu.Unlock()
	return coldRun{Next: next, Response: response}, nil
}

// spread is the minimum, median and maximum of durations.
type spread struct{ Min, Median, Max time.Duration }

func spreadOf(ds []time.Duration) spread {
	s := slices.Clone(ds)
	slices.Sort(s)
	return spread{Min: s[0], Median: s[len(s)/2], Max: s[len(s)-1]}
}

// armSize builds the bootstrap for Lambda (linux/arm64, stripped) and
// returns its size in bytes.
func armSize(ctx context.Context, root, dir string, t coldTarget) (int64, error) {
	out := filepath.Join(dir, "arm64-"+t.binary())
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./"+t.source)
	cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("build %s for arm64: %v\n%s", t.source, err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// initShare is where a bootstrap's package initialization goes, by owner,
// in milliseconds, as the Go runtime reports it with GODEBUG=inittrace=1;
// and, under servicePrefix+"dynamodb" and so on, by AWS SDK service (a
// service's package and its subpackages).
type initShare map[string]float64

const servicePrefix = "service:"

// The owners package initialization is told by, in the report's order.
var initOwners = []string{"Go runtime and std", "aws-lambda-go", "AWS SDK", "JSON Schema validator", "eventshop", "other modules"}

func ownerOf(pkg string) string {
	switch first, _, _ := strings.Cut(pkg, "/"); {
	case !strings.Contains(first, "."):
		return "Go runtime and std"
	case strings.HasPrefix(pkg, "github.com/aws/aws-lambda-go"):
		return "aws-lambda-go"
	case strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2"), strings.HasPrefix(pkg, "github.com/aws/smithy-go"):
		return "AWS SDK"
	case strings.HasPrefix(pkg, "github.com/santhosh-tekuri/jsonschema"):
		return "JSON Schema validator"
	case strings.HasPrefix(pkg, "github.com/eventshop/"):
		return "eventshop"
	}
	return "other modules"
}

// measureInit runs the bootstrap runs times with inittrace on and returns
// the median share of each owner. The bootstrap finds no Runtime API and
// exits; package initialization is over by then.
func measureInit(ctx context.Context, bin string, t coldTarget, runs int) (initShare, error) {
	samples := map[string][]float64{}
	for range runs {
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = append([]string{"GODEBUG=inittrace=1", "AWS_LAMBDA_RUNTIME_API=127.0.0.1:1", "AWS_REGION=us-east-1"}, t.env...)
		out, _ := cmd.CombinedOutput() // it fails to reach the Runtime API, by design
		sums := map[string]float64{}
		for line := range strings.Lines(string(out)) {
			// init net/http @1.2 ms, 0.019 ms clock, 10416 bytes, 99 allocs
			f := strings.Fields(line)
			if len(f) < 7 || f[0] != "init" || f[6] != "clock," {
				continue
			}
			var clock float64
			if _, err := fmt.Sscanf(f[4], "%g", &clock); err != nil {
				return nil, fmt.Errorf("%s: inittrace line %q: %w", t.name, line, err)
			}
			sums[ownerOf(f[1])] += clock
			if svc, ok := strings.CutPrefix(f[1], sdkService); ok && !strings.HasPrefix(svc, "internal/") {
				svc, _, _ = strings.Cut(svc, "/")
				sums[servicePrefix+svc] += clock
			}
		}
		if len(sums) == 0 {
			return nil, fmt.Errorf("%s: no inittrace output", t.name)
		}
		for _, owner := range initOwners {
			samples[owner] = append(samples[owner], sums[owner])
		}
		for key, clock := range sums {
			if strings.HasPrefix(key, servicePrefix) {
				samples[key] = append(samples[key], clock)
			}
		}
	}
	share := initShare{}
	for owner, xs := range samples {
		slices.Sort(xs)
		share[owner] = xs[len(xs)/2]
	}
	return share, nil
}

// deps is what a bootstrap links, from go list -deps.
type deps struct {
	Services   []string // AWS SDK service packages, such as "dynamodb"
	JSONSchema bool     // santhosh-tekuri/jsonschema, which compiles metaschemas at init
	Packages   int
}

// listDeps lists what each cold target links.
func listDeps(ctx context.Context, root string) (map[string]deps, error) {
	out := map[string]deps{}
	for _, t := range coldTargets {
		cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-tags", "lambda.norpc", "./"+t.source)
		cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -deps ./%s: %w", t.source, err)
		}
		var d deps
		for pkg := range strings.Lines(string(b)) {
			pkg = strings.TrimSpace(pkg)
			d.Packages++
			if svc, ok := strings.CutPrefix(pkg, sdkService); ok && !strings.Contains(svc, "/") {
				d.Services = append(d.Services, svc)
			}
			if strings.HasPrefix(pkg, "github.com/santhosh-tekuri/jsonschema") {
				d.JSONSchema = true
			}
		}
		out[t.name] = d
	}
	return out, nil
}
