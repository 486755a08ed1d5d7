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

// ratios of the cold inits and the warm cost to their baselines.
func (r report) coldRatio(c cold) float64 {
	return float64(c.next().Median) / float64(r.Cold[0].next().Median)
}

func (r report) warmRatio() float64 {
	return r.Bench["BenchmarkNotificationConsumer"].Metrics["ns/message"] / r.Bench["BenchmarkBareHandler"].Metrics["ns/message"]
}

func (r report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# eventshop benchmarks\n\n")
	p("Written by `make bench` on %s. Machine: %s.\n\n", r.Date.Format("2006-01-02 15:04 MST"), r.Machine)
	p("Every figure stands beside a baseline measured in the same run; the goals are ratios to it. Nothing here is a test: `make test` asserts no time.\n\n")
	p("![latency and cold init](report.png)\n\n")

	p("## 1. Cold init\n\n")
	p("From exec of the bootstrap (built for this machine as for Lambda: stripped, `lambda.norpc`) to its first request to the Runtime API's `/next`, and to its first response, against a local Runtime API, %d runs each. The baseline is a hello-world aws-lambda-go function. Goal: every function's median to `/next` at most %.1f× the baseline's. A second reference, sdk-floor, only loads the AWS configuration and makes a DynamoDB client, as every eventshop function must: what lies above it is eventshop's own start. Sizes are of the linux/arm64 bootstraps Lambda runs; goal: at most %d MiB.\n\n", r.Runs, goalColdRatio, goalBootstrapMiB)
	p("| bootstrap | to /next min / median / max (ms) | to first response min / median / max (ms) | ratio to hello-world | ratio to sdk-floor | arm64 size (MiB) |\n|---|---|---|---|---|---|\n")
	for _, c := range r.Cold {
		n, resp := c.next(), c.response()
		ratio, floor := "baseline", ""
		if c.Name != r.Cold[0].Name {
			x := r.coldRatio(c)
			ratio = fmt.Sprintf("%.2f× (%s)", x, verdict(x <= goalColdRatio))
			floor = fmt.Sprintf("%.2f×", float64(c.next().Median)/float64(r.Cold[1].next().Median))
		}
		mib := float64(c.Size) / (1 << 20)
		size := fmt.Sprintf("%.1f", mib)
		if c.Name != r.Cold[0].Name && mib > goalBootstrapMiB {
			size += " (**over**)"
		}
		p("| %s | %s / %s / %s | %s / %s / %s | %s | %s | %s |\n", c.Name, ms(n.Min), ms(n.Median), ms(n.Max), ms(resp.Min), ms(resp.Median), ms(resp.Max), ratio, floor, size)
	}

	p("\nWhere package initialization goes (`GODEBUG=inittrace=1`, median of %d runs, ms of clock; the rest of the time to `/next` is exec, paging in the binary and `main` itself):\n\n", initRuns)
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

	p("\n%s", r.coldReading())

	p("\n## 2. Warm cost per message\n\n")
	eb, bare := r.Bench["BenchmarkNotificationConsumer"], r.Bench["BenchmarkBareHandler"]
	p("`go test -bench -cpu 1` (the cost of a message on one CPU, however the handler spreads its work) on batches of 10 SQS records carrying `user.registered`, medians of %d runs. eventshop's consumer decodes and validates each envelope against its schemas, claims it in the idempotency store, renders and sends the welcome mail to an in-process stub, records `notification.sent` (built and validated), logs one line and counts it. The bare handler, written directly on aws-lambda-go's types, decodes the event and makes the same mail call, and nothing else. Goal: at most %.1f×.\n\n", eb.Runs, goalWarmRatio)
	p("| handler | ns/message | B/op (batch) | allocs/op (batch) |\n|---|---|---|---|\n")
	p("| eventshop consumer | %.0f | %.0f | %.0f |\n", eb.Metrics["ns/message"], eb.Metrics["B/op"], eb.Metrics["allocs/op"])
	p("| bare handler (baseline) | %.0f | %.0f | %.0f |\n\n", bare.Metrics["ns/message"], bare.Metrics["B/op"], bare.Metrics["allocs/op"])
	p("Ratio: **%.2f×** (%s the goal); allocations %.1f×.\n\n", r.warmRatio(), verdict(r.warmRatio() <= goalWarmRatio), eb.Metrics["allocs/op"]/bare.Metrics["allocs/op"])
	fromSQS, newEnv := r.Bench["BenchmarkDecode"].Metrics["ns/op"], r.Bench["BenchmarkNew"].Metrics["ns/op"]
	p("Where the consumer's time per message goes, from the `events` and `eventbus` benchmarks of the same run: reading and validating the envelope from the SQS record (`eventbus.Decode`) %.0f ns, building and validating `notification.sent` (`events.New`) %.0f ns, the rest %.0f ns: the idempotency claim, the mail, the record, the log line and metrics, a goroutine per message, and the garbage collection all of it brings on. The bare handler skips the first two, which are the contract eventshop keeps on every hop.\n\n",
		fromSQS, newEnv, eb.Metrics["ns/message"]-fromSQS-newEnv)
	if contract := fromSQS / bare.Metrics["ns/message"]; contract > goalWarmRatio {
		p("Reading: validating one envelope on arrival (`eventbus.Decode`) costs %.1f× the bare handler's whole message, so no consumer that keeps the schema contract on every hop can come within %.1f× of a handler that keeps none: the ratio measures that contract more than the framework around it.\n\n", contract, goalWarmRatio)
	} else {
		p("Reading: validating one envelope on arrival (`eventbus.Decode`) costs %.1f× the bare handler's whole message.\n\n", contract)
	}
	relay := r.Bench["BenchmarkRelayBurst"]
	calls := relay.Metrics["putevents-calls/event"]
	p("Relay, in stream batches of 100 new events: **%.3f PutEvents calls per event** (%s the goal of at most %.1f), %.0f ns per event.\n\n", calls, verdict(calls <= goalCallsPerEvt+1e-9), goalCallsPerEvt, relay.Metrics["ns/event"])

	f := r.Flows
	p("## 3. Local end to end\n\n")
	p("%d registrations at concurrency %d through the local stack's HTTP API (kumo, functions run as processes on this machine), each timed from its request to the emulator recording its welcome mail.\n\n", f.Flows, f.Concurrency)
	p("| throughput | p50 | p95 | p99 | max |\n|---|---|---|---|---|\n")
	p("| %.0f registrations/s | %s ms | %s ms | %s ms | %s ms |\n\n", float64(f.Flows)/f.Duration.Seconds(), ms(percentile(f.Latencies, 50)), ms(percentile(f.Latencies, 95)), ms(percentile(f.Latencies, 99)), ms(f.Latencies[len(f.Latencies)-1]))
	p("Peak resident memory (VmHWM):\n\n| process | MiB |\n|---|---|\n")
	for _, name := range sortedNames(f.PeakRSS) {
		p("| %s | %.1f |\n", name, float64(f.PeakRSS[name])/(1<<20))
	}
	p("\n## Raw `go test -bench` output\n\n```\n%s```\n", r.BenchRaw)
	return b.String()
}

// coldReading says what the cold init figures mean for the goal: whether
// the AWS SDK alone leaves room for it, and how much of the time above the
// SDK the JSON Schema validator's package initialization and eventshop's
// own packages take.
func (r report) coldReading() string {
	floor := r.coldRatio(r.Cold[1])
	var validator, own, above float64
	for _, c := range r.Cold[2:] {
		validator += c.Init["JSON Schema validator"]
		own = max(own, c.Init["eventshop"])
		above += float64(c.next().Median-r.Cold[1].next().Median) / float64(time.Millisecond)
	}
	verdict := fmt.Sprintf("so the %.1f× goal cannot be met by any function that calls AWS with aws-sdk-go-v2 (its per-service `schemas` packages set up their serializers at init)", goalColdRatio)
	if floor <= goalColdRatio {
		verdict = fmt.Sprintf("within the %.1f× goal", goalColdRatio)
	}
	return fmt.Sprintf("Reading: sdk-floor, which only loads the AWS configuration and makes one client, is %.2f× hello-world, %s. Of the functions' time above sdk-floor, %.0f %% on average is the package initialization of santhosh-tekuri/jsonschema, which compiles the draft-04 to 2020-12 metaschemas whether or not they are used; eventshop's own schemas compile on first use, and its own packages take at most %.2f ms to initialize.\n",
		floor, verdict, 100*validator/max(above, 1e-9), own)
}

func (r report) summary() string {
	var b strings.Builder
	for _, c := range r.Cold[1:] {
		fmt.Fprintf(&b, "cold init %-13s %.2f× hello-world (goal ≤ %.1f×), %.2f× sdk-floor, %.1f MiB (goal ≤ %d)\n", c.Name, r.coldRatio(c), goalColdRatio,
			float64(c.next().Median)/float64(r.Cold[1].next().Median), float64(c.Size)/(1<<20), goalBootstrapMiB)
	}
	fmt.Fprintf(&b, "warm cost per message: %.2f× the bare handler (goal ≤ %.1f×)\n", r.warmRatio(), goalWarmRatio)
	fmt.Fprintf(&b, "relay: %.3f PutEvents calls per event (goal ≤ %.1f)\n", r.Bench["BenchmarkRelayBurst"].Metrics["putevents-calls/event"], goalCallsPerEvt)
	f := r.Flows
	fmt.Fprintf(&b, "end to end: %.0f registrations/s, p50 %s ms, p99 %s ms\n", float64(f.Flows)/f.Duration.Seconds(), ms(percentile(f.Latencies, 50)), ms(percentile(f.Latencies, 99)))
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
	hist, err := plotter.NewHist(values, 40)
	if err != nil {
		return err
	}
	hist.FillColor = color.RGBA{R: 70, G: 130, B: 180, A: 255}
	lat.Add(hist)

	init := plot.New()
	init.Title.Text = "Cold init: exec to first /next, median (ms); hello-world and sdk-floor are references"
	init.Y.Label.Text = "milliseconds"
	var bars plotter.Values
	var names []string
	for _, c := range r.Cold {
		bars = append(bars, float64(c.next().Median.Microseconds())/1000)
		names = append(names, c.Name)
	}
	bc, err := plotter.NewBarChart(bars, vg.Points(30))
	if err != nil {
		return err
	}
	bc.Color = color.RGBA{R: 210, G: 105, B: 30, A: 255}
	init.Add(bc)
	init.NominalX(names...)

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
