package main

import (
	"fmt"
	"image/color"
	"maps"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/eventshop/eventshop/bench/awsstub"
	"github.com/eventshop/eventshop/contract"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// cold is one bootstrap's cold starts and size.
type cold struct {
	Name string
	Runs []coldRun
	Size int64
	Init initShare
}

func (c cold) next() spread {
	var ds []time.Duration
	for _, r := range c.Runs {
		ds = append(ds, r.Next)
	}
	return spreadOf(ds)
}

func (c cold) response() spread {
	var ds []time.Duration
	for _, r := range c.Runs {
		ds = append(ds, r.Response)
	}
	return spreadOf(ds)
}

// report is what make bench found.
type report struct {
	Date     time.Time
	Machine  string
	Runs     int
	Cold     []cold // the baseline first
	Bench    map[string]benchResult
	BenchRaw string
	Flows    flowResult
	FlowsErr string // why the end-to-end run failed, if it did

	Rounds  int                            // warm runs of each handler's process
	Batches int                            // measured batches of 10 in each warm run
	Clients map[contract.Function][]string // the clients each function, and its floor, constructs
	Deps    map[string]deps                // what each cold target links
	Warm    map[string][]warmResult        // by handler: bare, eventshop, powertools
	Peer    struct {
		Node         string
		Cold, GoCold []coldRun // the peer's cold starts, and the notification function's beside them
	}
}

func machine() string {
	cpu := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
	}
	goVersion, _ := exec.Command("go", "version").Output()
	return fmt.Sprintf("%s/%s, %s, %d CPUs%s; %s", runtime.GOOS, runtime.GOARCH, cpu, runtime.NumCPU(), mem, strings.TrimSpace(string(goVersion)))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func verdict(ok bool) string {
	if ok {
		return "meets"
	}
	return "**misses**"
}

// medianOf is the median of xs.
func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// coldOf finds a cold target's starts by name.
func (r report) coldOf(name string) (cold, bool) {
	for _, c := range r.Cold {
		if c.Name == name {
			return c, true
		}
	}
	return cold{}, false
}

// floorRatio is a function's median to /next over its floor's, and the
// median of the ratios paired by round.
func (r report) floorRatio(fn string) (ratio, paired float64) {
	c, _ := r.coldOf(fn)
	f, _ := r.coldOf(floorPrefix + fn)
	var pairs []float64
	for i := range min(len(c.Runs), len(f.Runs)) {
		pairs = append(pairs, float64(c.Runs[i].Next)/float64(f.Runs[i].Next))
	}
	return float64(c.next().Median) / float64(f.next().Median), medianOf(pairs)
}

// functions are the cold targets that are functions of the stack.
func (r report) functions() []cold {
	var out []cold
	for _, c := range r.Cold[1:] {
		if !strings.HasPrefix(c.Name, floorPrefix) {
			out = append(out, c)
		}
	}
	return out
}

// warm is a handler's warm runs, read as medians.
type warmMedians struct {
	CPU, Wall, Mallocs, Bytes float64 // per message
	RSS                       int64
	Calls                     []string
	Runs                      int
}

func (r report) warm(name string) (warmMedians, bool) {
	runs := r.Warm[name]
	if len(runs) == 0 {
		return warmMedians{}, false
	}
	var cpu, wall, mallocs, bytes []float64
	var m warmMedians
	for _, w := range runs {
		cpu, wall = append(cpu, w.cpuPerMessage()), append(wall, w.wallPerMessage())
		mallocs, bytes = append(mallocs, float64(w.Mallocs)/float64(w.Messages)), append(bytes, float64(w.Bytes)/float64(w.Messages))
		m.RSS = max(m.RSS, w.PeakRSS)
	}
	m.CPU, m.Wall, m.Mallocs, m.Bytes, m.Runs = medianOf(cpu), medianOf(wall), medianOf(mallocs), medianOf(bytes), len(runs)
	m.Calls = awsstub.CallsPerMessage(runs[len(runs)-1].Calls, runs[len(runs)-1].Messages)
	return m, true
}

// warmHandlers are the handlers of the warm comparison, in the report's
// order; a run's name is the handler's, with loopbackSuffix over the
// loopback.
var warmHandlers = []string{"eventshop", "bare", "bare-concurrent", "powertools"}

type warmMode struct{ name, suffix string }

// warmModes are the modes the warm runs measured: in process, and over
// the loopback if they did.
func (r report) warmModes() []warmMode {
	modes := []warmMode{{"in process", ""}}
	if r.hasLoopback() {
		modes = append(modes, warmMode{"over the loopback", loopbackSuffix})
	}
	return modes
}

func (r report) hasLoopback() bool {
	_, ok := r.warm("eventshop" + loopbackSuffix)
	return ok
}

// warmRatio is eventshop's CPU per message over the cheaper of the two
// bare handlers', in a mode ("" in process, or loopbackSuffix).
func (r report) warmRatio(mode string) (ratio float64, baseline string) {
	e, _ := r.warm("eventshop" + mode)
	best, baseline := 0.0, ""
	for _, name := range []string{"bare", "bare-concurrent"} {
		if b, ok := r.warm(name + mode); ok && (best == 0 || b.CPU < best) {
			best, baseline = b.CPU, name+mode
		}
	}
	return e.CPU / best, baseline
}

func (r report) envelopeRatio() float64 {
	return r.Bench["BenchmarkEnvelopeEventshop"].Metrics["ns/op"] / r.Bench["BenchmarkEnvelopePlain"].Metrics["ns/op"]
}

func (r report) peerWarmRatio(mode string) float64 {
	p, _ := r.warm("powertools" + mode)
	e, _ := r.warm("eventshop" + mode)
	return p.CPU / e.CPU
}

func runsNext(runs []coldRun) spread {
	var ds []time.Duration
	for _, r := range runs {
		ds = append(ds, r.Next)
	}
	return spreadOf(ds)
}

func (r report) peerColdRatio() float64 {
	return float64(runsNext(r.Peer.Cold).Median) / float64(runsNext(r.Peer.GoCold).Median)
}

// goals lists each goal with what was measured, for the summary table.
func (r report) goals() [][4]string {
	var out [][4]string
	worst, worstFn := 0.0, ""
	met := 0
	for _, c := range r.functions() {
		_, x := r.floorRatio(c.Name)
		if x > worst {
			worst, worstFn = x, c.Name
		}
		if x <= goalColdRatio {
			met++
		}
	}
	out = append(out, [4]string{"Cold init to `/next`, each function against its own floor (median of the ratios paired by round)", fmt.Sprintf("≤ %.2f×", goalColdRatio),
		fmt.Sprintf("%d of %d functions within; worst %s %.2f×", met, len(r.functions()), worstFn, worst), verdict(met == len(r.functions()))})
	biggest := 0.0
	for _, c := range r.functions() {
		biggest = max(biggest, float64(c.Size)/(1<<20))
	}
	out = append(out, [4]string{"Bootstrap size, linux/arm64, stripped", fmt.Sprintf("≤ %d MiB", goalBootstrapMiB), fmt.Sprintf("at most %.4f MiB", biggest), verdict(biggest <= goalBootstrapMiB)})
	wr, base := r.warmRatio("")
	e, _ := r.warm("eventshop")
	b, _ := r.warm(base)
	out = append(out, [4]string{"Warm CPU per message, notification consumer, against a bare aws-lambda-go handler making the same AWS calls (answered in process)", fmt.Sprintf("≤ %.1f×", goalWarmRatio),
		fmt.Sprintf("%.2f× (%.0f µs against %s's %.0f µs); allocations %.2f×", wr, e.CPU/1000, base, b.CPU/1000, e.Mallocs/b.Mallocs), verdict(wr <= goalWarmRatio)})
	out = append(out, [4]string{"Decoding and validating one envelope, against plain `json.Unmarshal` into the struct", fmt.Sprintf("≤ %d×", goalEnvelopeRatio),
		fmt.Sprintf("%.2f× (%.1f µs against %.1f µs)", r.envelopeRatio(), r.Bench["BenchmarkEnvelopeEventshop"].Metrics["ns/op"]/1000, r.Bench["BenchmarkEnvelopePlain"].Metrics["ns/op"]/1000),
		verdict(r.envelopeRatio() <= goalEnvelopeRatio)})
	if p, ok := r.warm("powertools"); ok {
		out = append(out, [4]string{"Powertools (TypeScript) peer's CPU per message, against eventshop's (answered in process)", fmt.Sprintf("≥ %d×", goalPeerWarm),
			fmt.Sprintf("%.1f× (%.0f µs against %.0f µs)", r.peerWarmRatio(""), p.CPU/1000, e.CPU/1000), verdict(r.peerWarmRatio("") >= goalPeerWarm)})
	}
	if len(r.Peer.Cold) > 0 {
		out = append(out, [4]string{"Powertools peer's cold init to `/next`, against eventshop's notification function", fmt.Sprintf("≥ %d×", goalPeerCold),
			fmt.Sprintf("%.1f× (%s ms against %s ms)", r.peerColdRatio(), ms(runsNext(r.Peer.Cold).Median), ms(runsNext(r.Peer.GoCold).Median)), verdict(r.peerColdRatio() >= goalPeerCold)})
	}
	calls := r.Bench["BenchmarkRelayBurst"].Metrics["putevents-calls/event"]
	out = append(out, [4]string{"Relay PutEvents calls per event in a burst", fmt.Sprintf("≤ %.1f", goalCallsPerEvt), fmt.Sprintf("%.3f", calls), verdict(calls <= goalCallsPerEvt+1e-9)})
	return out
}

func (r report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# eventshop benchmarks\n\n")
	p("Written by `make bench` on %s. Machine: %s; Node.js %s for the peer.\n\n", r.Date.Format("2006-01-02 15:04 MST"), r.Machine, r.Peer.Node)
	p("Every figure stands beside a baseline measured in the same run, and the goals are ratios to it: on 2 shared cores absolute times move by ±30 %% between runs, ratios of paired runs much less. Nothing here is a test: `make test` asserts no time.\n\n")
	p("| goal | target | measured | |\n|---|---|---|---|\n")
	for _, g := range r.goals() {
		p("| %s | %s | %s | %s |\n", g[0], g[1], g[2], g[3])
	}
	p("\n![latency and cold init](report.png)\n\n")

	p("## 1. Cold init\n\n")
	p("From exec of the bootstrap (built for this machine as for Lambda: stripped, `lambda.norpc`) to its first request to the Runtime API's `/next`, against a local Runtime API, %d rounds; in each round every bootstrap starts once, the next of its %d byte-identical copies (files of their own: identical copies start up to a tenth apart), each function next to its floor, after it in even rounds and before it in odd ones. A function's **floor** is a bootstrap that loads the AWS configuration and constructs exactly the AWS SDK clients the function constructs, and does nothing else: `bench/floor/<function>/main.go`, generated at every run from the function's code (`bench/floor.go` follows its `main` package and the eventshop functions it calls to each `NewFromConfig`). Goal: every function at most %.2f× its floor. Judged on the paired ratio, the median of the per-round ratios of a function to its floor started next to it: other engineers' builds share the 2 cores, and whatever load falls on a round falls on both; the ratio of the medians is beside it. hello-world (an aws-lambda-go function that makes no client) is a reference. Sizes are of the linux/arm64 bootstraps Lambda runs; goal: at most %d MiB.\n\n", r.Runs, coldCopies, goalColdRatio, goalBootstrapMiB)
	hello, _ := r.coldOf("hello-world")
	p("| function | clients (its floor's) | floor median (ms) | function min / median / max (ms) | medians' ratio | paired ratio | to hello-world | arm64 MiB |\n|---|---|---|---|---|---|---|---|\n")
	p("| hello-world | none | | %s / %s / %s | | | reference | %.1f |\n", ms(hello.next().Min), ms(hello.next().Median), ms(hello.next().Max), float64(hello.Size)/(1<<20))
	for _, c := range r.functions() {
		f, _ := r.coldOf(floorPrefix + c.Name)
		x, paired := r.floorRatio(c.Name)
		n := c.next()
		size := fmt.Sprintf("%.1f", float64(c.Size)/(1<<20))
		if float64(c.Size)/(1<<20) > goalBootstrapMiB {
			size += " (**over**)"
		}
		p("| %s | %s | %s | %s / %s / %s | %.2f× | %.2f× (%s) | %.2f× | %s |\n", c.Name, describeClients(r.Clients[contract.Function(c.Name)]), ms(f.next().Median),
			ms(n.Min), ms(n.Median), ms(n.Max), x, paired, verdict(paired <= goalColdRatio), float64(n.Median)/float64(hello.next().Median), size)
	}

	p("\nWhere package initialization goes (`GODEBUG=inittrace=1`, median of %d runs, ms of clock; the rest of the time to `/next` is exec, paging in the binary, the runtime's start and `main` itself):\n\n", initRuns)
	p("| bootstrap | %s | total |\n|---|%s---|\n", strings.Join(initOwners, " | "), strings.Repeat("---|", len(initOwners)))
	for _, c := range r.Cold {
		var total float64
		p("| %s |", c.Name)
		for _, owner := range initOwners {
			p(" %.2f |", c.Init[owner])
			total += c.Init[owner]
		}
		p(" %.2f |\n", total)
	}
	p("\nWhat each bootstrap links (`go list -deps`): the AWS SDK service packages, and whether santhosh-tekuri/jsonschema (whose package init compiles every draft's metaschema) is among them.\n\n")
	p("| function | packages | SDK services | its floor's packages | its floor's SDK services | jsonschema linked |\n|---|---|---|---|---|---|\n")
	for _, c := range r.functions() {
		d, f := r.Deps[c.Name], r.Deps[floorPrefix+c.Name]
		p("| %s | %d | %s | %d | %s | %s |\n", c.Name, d.Packages, strings.Join(d.Services, ", "), f.Packages, strings.Join(f.Services, ", "), map[bool]string{true: "**yes**", false: "no"}[d.JSONSchema])
	}
	p("\n%s", r.coldReading())

	if len(r.Peer.Cold) > 0 {
		pc, gc := runsNext(r.Peer.Cold), runsNext(r.Peer.GoCold)
		p("\n**The peer's cold init.** The Powertools consumer (section 2), started as `node index.mjs` by Node.js %s against the same local Runtime API, %d times, each right after eventshop's notification bootstrap: from exec to its first `/next`, which it asks for once it has imported its modules and constructed its clients, as Lambda's Node.js runtime does. Powertools: %s / %s / %s ms (min / median / max); eventshop's notification: %s / %s / %s ms; **%.1f×** (goal ≥ %d×: %s).\n",
			r.Peer.Node, len(r.Peer.Cold), ms(pc.Min), ms(pc.Median), ms(pc.Max), ms(gc.Min), ms(gc.Median), ms(gc.Max), r.peerColdRatio(), goalPeerCold, verdict(r.peerColdRatio() >= goalPeerCold))
	}

	p("\n## 2. Warm cost per message\n\n")
	loopback := r.hasLoopback()
	p("Each handler runs as on Lambda: a process of its own (built as Lambda's bootstraps are, or `node index.mjs`), fed batches of 10 SQS messages through a local Runtime API, each message a distinct `user.registered` (v2, sealed contact) as EventBridge delivers it, for one of 10 users. It calls AWS with its real SDK clients, and a stub answers them as DynamoDB, KMS and SES v2 would, in their wire protocols (`bench/awsstub`; `bench/powertools/stub.mjs` is its port for the peer): writes succeed, the suppression stream is empty, a data key is the one kept in the keys table. It counts the calls, so that the handlers are seen to make the same ones.\n\n")
	p("- **In process**, the mode the goals are judged on: the stub is the transport of the process's own SDK clients. For the Go handlers it is the `http.Client` (`Transport`: the stub) of every `aws.Config` that `config.LoadDefaultConfig` loads, eventshop's (`awsclient.Config`) and the bare handler's alike, through a file added to the SDK's `config` package for this run only (a copy of the module, built with `go build -modfile`; neither handler's code changes); for the peer, the `requestHandler` of its AWS SDK v3 clients, which `index.mjs` passes when the harness sets `BENCH_AWS_STUB`. Everything above the socket runs: serialization, endpoint resolution, SigV4 signing, the retry middleware, deserialization; the connection pool, the socket and HTTP/1.1 framing do not, and the stub's own work (a few µs a message: it reads a request's table without decoding its JSON) is in the figures.\n")
	if loopback {
		p("- **Over the loopback** (`/loopback`), for comparison: the same processes with the SDKs' own HTTP clients, calling `AWS_ENDPOINT_URL`, where the bench process answers with the same stub. Closer to a call's cost on Lambda, where it goes over TLS as well; the same for every handler, it flattens their ratios.\n")
	}
	p("\nIn each of %[3]d rounds, the %[4]d processes start side by side, each with a stub of its own, and take turns: every batch goes to each of them, one after the other, in an order that rotates, so that whatever else loads the machine falls on all alike; %[1]d warm-up batches, then %[2]d measured; medians of the rounds. **Cost** is the process's CPU time (user + system, from `/proc`, in ticks of 10 ms) over the measured batches per message, the Lambda-billed work on one core; wall time per message and the Go handlers' allocations (`runtime.MemStats`, read through `bench/warmhook`, added to their build for this run only) are beside it. Other engineers' builds and tests share the 2 cores: absolute figures move by tens of percent between runs, ratios of handlers measured side by side much less.\n\n", warmupBatches, r.measuredBatches(), r.Rounds, len(r.Warm))
	p("- **eventshop**: the notification function's own `main` and wiring (`functions/notification`), unchanged: decode and validate the envelope and payload, claim in the idempotency table, open the sealed contact (keys table, KMS), check the suppression stream, write and send the mail, record `notification.sent` (built and validated), complete the claim, log a line, emit its metrics; one goroutine per message.\n")
	p("- **bare** and **bare-concurrent**: `bench/bare`, the same consumer written directly on aws-lambda-go and the SDK, making the same AWS calls with none of eventshop's layers (no validation, no retry or dead-letter policy, no metrics): messages one after the other, or one goroutine each.\n")
	p("- **powertools**: `bench/powertools`, the same consumer on Powertools for AWS Lambda (TypeScript) 2.35: `batch` (partial failures), `idempotency` (DynamoDB persistence, keyed on the event id), `parser` with zod schemas written after eventshop's (formats, patterns, lengths), `logger`, `metrics` (EMF), and the AWS SDK for JavaScript v3, run by a minimal Runtime API loop (`runtime.mjs`).\n\n")
	p("| handler | AWS answered | CPU µs/message | wall µs/message | allocs/message | bytes/message | peak RSS MiB | CPU to eventshop's |\n|---|---|---|---|---|---|---|---|\n")
	for _, mode := range r.warmModes() {
		e, _ := r.warm("eventshop" + mode.suffix)
		for _, name := range warmHandlers {
			w, ok := r.warm(name + mode.suffix)
			if !ok {
				continue
			}
			allocs, bytes := fmt.Sprintf("%.0f", w.Mallocs), fmt.Sprintf("%.0f", w.Bytes)
			if name == "powertools" {
				allocs, bytes = "—", "—"
			}
			p("| %s | %s | %.0f | %.0f | %s | %s | %.1f | %.2f× |\n", name, mode.name, w.CPU/1000, w.Wall/1000, allocs, bytes, float64(w.RSS)/(1<<20), w.CPU/e.CPU)
		}
	}
	p("\nAWS calls per message, as the stub counted them in the last measured run of each (the same for all, by design; the peer's idempotency completes with `UpdateItem` where the Go handlers `PutItem`):\n\n")
	for _, mode := range r.warmModes() {
		for _, name := range warmHandlers {
			if w, ok := r.warm(name + mode.suffix); ok {
				p("- %s: %s\n", name+mode.suffix, strings.Join(w.Calls, "; "))
			}
		}
	}
	wr, base := r.warmRatio("")
	p("\nIn process, the ratio to the cheaper bare handler (%s): **%.2f×** (%s the goal of ≤ %.1f×).", base, wr, verdict(wr <= goalWarmRatio), goalWarmRatio)
	if _, ok := r.warm("powertools"); ok {
		p(" The Powertools peer costs **%.1f×** eventshop's CPU per message (%s the goal of ≥ %d×).", r.peerWarmRatio(""), verdict(r.peerWarmRatio("") >= goalPeerWarm), goalPeerWarm)
	}
	if loopback {
		lwr, lbase := r.warmRatio(loopbackSuffix)
		p(" Over the loopback: %.2f× %s", lwr, lbase)
		if _, ok := r.warm("powertools" + loopbackSuffix); ok {
			p("; the peer %.1f× eventshop", r.peerWarmRatio(loopbackSuffix))
		}
		p(".")
	}
	p("\n\n%s\n", r.warmReading())

	env, plain := r.Bench["BenchmarkEnvelopeEventshop"], r.Bench["BenchmarkEnvelopePlain"]
	p("**One envelope.** `go test -bench -cpu 1` in `bench/`, medians of %d runs: reading a `user.registered` v2 from an SQS message's body into its payload type the way eventshop's consumer does (`eventbus.Decode`, which checks the envelope and payload against their schemas through the generated checkers of `jsoncheck`, then `events.Decode`), against plain `json.Unmarshal` of the same body into a struct of the same fields, which checks nothing.\n\n", env.Runs)
	p("| reading | ns/op | B/op | allocs/op |\n|---|---|---|---|\n| eventshop (decode and validate) | %.0f | %.0f | %.0f |\n| `json.Unmarshal` (baseline) | %.0f | %.0f | %.0f |\n\n",
		env.Metrics["ns/op"], env.Metrics["B/op"], env.Metrics["allocs/op"], plain.Metrics["ns/op"], plain.Metrics["B/op"], plain.Metrics["allocs/op"])
	p("Ratio: **%.2f×** (%s the goal of ≤ %d×).\n\n", r.envelopeRatio(), verdict(r.envelopeRatio() <= goalEnvelopeRatio), goalEnvelopeRatio)
	nc, bh := r.Bench["BenchmarkNotificationConsumer"], r.Bench["BenchmarkBareHandler"]
	p("In memory, without the SDK (`functions/notification`'s own benchmarks, in-memory idempotency store and event store, stub mailer): the consumer %.0f ns and %.0f allocations a message; its old baseline, which only decodes and mails, %.0f ns.\n\n", nc.Metrics["ns/message"], nc.Metrics["allocs/op"]/10, bh.Metrics["ns/message"])
	relay := r.Bench["BenchmarkRelayBurst"]
	calls := relay.Metrics["putevents-calls/event"]
	p("Relay, in stream batches of 100 new events: **%.3f PutEvents calls per event** (%s the goal of at most %.1f), %.0f ns per event.\n\n", calls, verdict(calls <= goalCallsPerEvt+1e-9), goalCallsPerEvt, relay.Metrics["ns/event"])

	p("## 3. Cost and capacity on paper\n\n%s\n", r.costSection())

	f := r.Flows
	p("## 4. Local end to end\n\n")
	if r.FlowsErr != "" || len(f.Latencies) == 0 {
		p("Not measured in this run: %s\n\n", r.FlowsErr)
	} else {
		p("%d registrations at concurrency %d through the local stack's HTTP API (kumo, functions run as processes on this machine), each timed from its request to the emulator recording its welcome mail.\n\n", f.Flows, f.Concurrency)
		p("| throughput | p50 | p95 | p99 | max |\n|---|---|---|---|---|\n")
		p("| %.0f registrations/s | %s ms | %s ms | %s ms | %s ms |\n\n", float64(f.Flows)/f.Duration.Seconds(), ms(percentile(f.Latencies, 50)), ms(percentile(f.Latencies, 95)), ms(percentile(f.Latencies, 99)), ms(f.Latencies[len(f.Latencies)-1]))
		p("Peak resident memory (VmHWM):\n\n| process | MiB |\n|---|---|\n")
		for _, name := range sortedNames(f.PeakRSS) {
			p("| %s | %.1f |\n", name, float64(f.PeakRSS[name])/(1<<20))
		}
	}
	p("\n## Raw `go test -bench` output\n\n```\n%s```\n", r.BenchRaw)
	return b.String()
}

// coldReading says where the functions' time above their floors goes.
func (r report) coldReading() string {
	var above, own, validator float64
	var linked []string
	for _, c := range r.functions() {
		f, _ := r.coldOf(floorPrefix + c.Name)
		above += float64(c.next().Median-f.next().Median) / float64(time.Millisecond)
		own = max(own, c.Init["eventshop"])
		validator += c.Init["JSON Schema validator"]
		if r.Deps[c.Name].JSONSchema {
			linked = append(linked, c.Name)
		}
	}
	var extra strings.Builder
	for _, c := range r.functions() {
		var linked []string
		var ms float64
		for _, svc := range r.Deps[c.Name].Services {
			if !slices.Contains(r.Deps[floorPrefix+c.Name].Services, svc) {
				linked = append(linked, svc)
				ms += c.Init[servicePrefix+svc]
			}
		}
		if len(linked) > 0 {
			_, paired := r.floorRatio(c.Name)
			fmt.Fprintf(&extra, "| %s | %.2f× | %s | %.2f |\n", c.Name, paired, strings.Join(linked, ", "), ms)
		}
	}
	n := float64(len(r.functions()))
	s := fmt.Sprintf("Reading: on average a function reaches `/next` %.2f ms after its floor. eventshop's own packages take at most %.2f ms of package initialization; the JSON Schema validator's package init takes %.2f ms on average", above/n, own, validator/n)
	if len(linked) == 0 {
		s += ": no function links santhosh-tekuri/jsonschema any more (the schemas are checked by code generated from them, `jsoncheck` and the `schemas_gen.go` files), so none pays its metaschema compilation."
	} else {
		s += fmt.Sprintf("; it is still linked by %s.", strings.Join(linked, ", "))
	}
	s += " What remains above a floor is the code the function itself runs before its first `/next` (`main`: the environment, the logger, the wiring), the larger binary to page in and, above all, the AWS SDK service packages a function links without constructing their client, whose package init it pays all the same:\n"
	if extra.Len() > 0 {
		s += "\n| function | paired ratio to its floor | SDK services linked, no client constructed | their package init (ms, median) |\n|---|---|---|---|\n" + extra.String()
		s += "\nThe consumers read what the bus delivers through `eventbus/delivered`, apart from the EventBridge publisher, so that they link no `eventbridge`; the relay links `dynamodb` through `awsclient` (which `boot` imports for `awsclient.Config`, and which also holds `awsclient.DynamoDB`) and `eventstore` (its record decoding).\n"
	}
	return s
}

// warmReading says what the warm figures mean.
func (r report) warmReading() string {
	e, ok1 := r.warm("eventshop")
	b, ok2 := r.warm("bare")
	bc, ok3 := r.warm("bare-concurrent")
	if !ok1 || !ok2 || !ok3 {
		return ""
	}
	s := fmt.Sprintf("Reading: answered in process, eventshop costs %.0f µs of CPU a message, the bare handler %.0f µs one message after the other and %.0f µs with a goroutine each",
		e.CPU/1000, b.CPU/1000, bc.CPU/1000)
	p, peer := r.warm("powertools")
	if peer {
		s += fmt.Sprintf(", the Powertools peer %.0f µs", p.CPU/1000)
	}
	s += "."
	if el, ok := r.warm("eventshop" + loopbackSuffix); ok {
		s += fmt.Sprintf(" The socket, over the loopback, added %.0f µs a message to eventshop (%.0f %% of its cost there)", (el.CPU-e.CPU)/1000, 100*(el.CPU-e.CPU)/el.CPU)
		if pl, ok := r.warm("powertools" + loopbackSuffix); ok && peer {
			s += fmt.Sprintf(" and %.0f µs to the peer (%.0f %%)", (pl.CPU-p.CPU)/1000, 100*(pl.CPU-p.CPU)/pl.CPU)
		}
		s += "."
	}
	best := min(b.CPU, bc.CPU)
	if x := e.CPU / best; x < 1.2 {
		s += fmt.Sprintf(" The bare handler, which makes the same calls through the same SDK and does little else, costs about as much as eventshop (eventshop %.2f× the cheaper): what remains in process is the AWS SDK for Go's work for each call — its middleware stack, endpoint resolution, SigV4 signing, serialization, deserialization — and the garbage collection of what it allocates, not eventshop's layers.", x)
		if peer {
			s += fmt.Sprintf(" So the peer's ratio to the cheaper bare handler, %.1f×, bounds what eventshop could reach while it makes these calls through this SDK.", p.CPU/best)
		}
	}
	sdk, stub, own := r.Bench["BenchmarkSDKMessage"], r.Bench["BenchmarkStubMessage"], r.Bench["BenchmarkNotificationConsumer"]
	if sdk.Metrics["cpu-ns/op"] > 0 && own.Metrics["ns/message"] > 0 {
		s += fmt.Sprintf(" In `go test -bench` (one goroutine, hot caches, so lower than in the harness, where %d processes take turns on the cores): the seven calls alone, through the same clients and the same stub, cost %.0f µs of CPU and %.0f allocations a message (`BenchmarkSDKMessage` in `bench/awsstub`, the stub's answers %.0f µs of it); eventshop's own work, in memory without the SDK, %.0f µs (`BenchmarkNotificationConsumer`), %.0f times less.",
			len(r.Warm), sdk.Metrics["cpu-ns/op"]/1000, sdk.Metrics["allocs/op"], stub.Metrics["cpu-ns/op"]/1000, own.Metrics["ns/message"]/1000, sdk.Metrics["cpu-ns/op"]/own.Metrics["ns/message"])
	}
	return s + " The bare handler that works through its batch one message at a time can cost more CPU than the concurrent one, as the Go scheduler parks and wakes its threads around every single call."
}

func (r report) summary() string {
	var b strings.Builder
	if len(r.Cold) > 0 {
		for _, c := range r.functions() {
			x, paired := r.floorRatio(c.Name)
			fmt.Fprintf(&b, "cold init %-13s %.2f× its floor (paired %.2f×; goal ≤ %.2f×), %.1f MiB\n", c.Name, x, paired, goalColdRatio, float64(c.Size)/(1<<20))
		}
	}
	if len(r.Peer.Cold) > 0 {
		fmt.Fprintf(&b, "cold init powertools: %.1f× eventshop's notification (goal ≥ %d×)\n", r.peerColdRatio(), goalPeerCold)
	}
	if len(r.Warm) > 0 {
		for _, mode := range r.warmModes() {
			for _, name := range warmHandlers {
				if w, ok := r.warm(name + mode.suffix); ok {
					fmt.Fprintf(&b, "warm %-25s %6.0f µs CPU, %6.0f µs wall, %5.0f allocs a message\n", name+mode.suffix, w.CPU/1000, w.Wall/1000, w.Mallocs)
				}
			}
			wr, base := r.warmRatio(mode.suffix)
			fmt.Fprintf(&b, "warm, %s: eventshop %.2f× %s (goal ≤ %.1f× in process)\n", mode.name, wr, base, goalWarmRatio)
			if _, ok := r.warm("powertools" + mode.suffix); ok {
				fmt.Fprintf(&b, "warm, %s: powertools %.1f× eventshop (goal ≥ %d× in process)\n", mode.name, r.peerWarmRatio(mode.suffix), goalPeerWarm)
			}
		}
		fmt.Fprintf(&b, "envelope: %.2f× json.Unmarshal (goal ≤ %d×)\n", r.envelopeRatio(), goalEnvelopeRatio)
		fmt.Fprintf(&b, "relay: %.3f PutEvents calls per event (goal ≤ %.1f)\n", r.Bench["BenchmarkRelayBurst"].Metrics["putevents-calls/event"], goalCallsPerEvt)
	}
	if f := r.Flows; len(f.Latencies) > 0 {
		fmt.Fprintf(&b, "end to end: %.0f registrations/s, p50 %s ms, p99 %s ms\n", float64(f.Flows)/f.Duration.Seconds(), ms(percentile(f.Latencies, 50)), ms(percentile(f.Latencies, 99)))
	}
	return b.String()
}

// plot draws the latency distribution of the end-to-end run above the
// median cold init of each bootstrap, the baseline first.
func (r report) plot(path string) error {
	lat := plot.New()
	lat.Title.Text = fmt.Sprintf("Request to recorded mail, %d registrations at concurrency %d", r.Flows.Flows, r.Flows.Concurrency)
	lat.X.Label.Text = "milliseconds"
	lat.Y.Label.Text = "registrations"
	values := make(plotter.Values, len(r.Flows.Latencies))
	for i, d := range r.Flows.Latencies {
		values[i] = float64(d.Microseconds()) / 1000
	}
	if len(values) == 0 {
		values = plotter.Values{0}
	}
	hist, err := plotter.NewHist(values, 40)
	if err != nil {
		return err
	}
	hist.FillColor = color.RGBA{R: 70, G: 130, B: 180, A: 255}
	lat.Add(hist)

	init := plot.New()
	init.Title.Text = fmt.Sprintf("Cold init to first /next: each function over its floor, paired median (goal ≤ %.2f×, the line)", goalColdRatio)
	init.Y.Label.Text = "× its floor"
	var bars plotter.Values
	var names []string
	for _, c := range r.functions() {
		_, paired := r.floorRatio(c.Name)
		bars = append(bars, paired)
		names = append(names, c.Name)
	}
	if len(bars) == 0 {
		bars, names = plotter.Values{0}, []string{"none"}
	}
	bc, err := plotter.NewBarChart(bars, vg.Points(24))
	if err != nil {
		return err
	}
	bc.Color = color.RGBA{R: 210, G: 105, B: 30, A: 255}
	init.Add(bc)
	goal, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: goalColdRatio}, {X: float64(len(bars)) - 0.5, Y: goalColdRatio}})
	if err != nil {
		return err
	}
	goal.Color = color.RGBA{R: 200, A: 255}
	init.Add(goal)
	init.Y.Min = 0
	init.NominalX(names...)
	init.X.Tick.Label.Rotation = 0.6
	init.X.Tick.Label.XAlign = draw.XRight

	const w, h = 8 * vg.Inch, 8 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{{lat}, {init}}, tiles, dc)
	lat.Draw(canvases[0][0])
	init.Draw(canvases[1][0])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(f)
	return err
}

func sortedNames(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }

// measuredBatches is the warm runs' measured batches of 10; 200 in the
// figures of runs from before it was an option.
func (r report) measuredBatches() int {
	if r.Batches == 0 {
		return 200
	}
	return r.Batches
}
