// Command bench is make bench: it measures eventshop's speed, always
// beside a baseline measured in the same run, and writes the report to
// bench/REPORT.md with a picture, bench/report.png.
//
//  1. Cold init: each function's bootstrap, from exec to its first request
//     for an invocation and to its first response, against a Runtime API
//     of its own, beside its floor (a bootstrap that constructs the same
//     AWS clients and nothing else, floor.go) and a hello-world
//     aws-lambda-go bootstrap; the stripped linux/arm64 size of each, its
//     package initialization by owner, and what it links (go list -deps).
//  2. Warm cost: the notification consumer's process, fed batches of 10
//     through a local Runtime API, its AWS calls answered by a stub in its
//     own process (and, for comparison, over the loopback), beside a bare
//     aws-lambda-go handler making the same calls (bench/bare); go test
//     -bench of decoding an envelope beside plain json.Unmarshal, and of
//     the relay's PutEvents calls per event.
//  3. The peer: the same consumer on Powertools for AWS Lambda
//     (TypeScript), bench/powertools, cold and warm in the same harness.
//  4. Cost and capacity on paper (cost.go), from what was measured.
//  5. Local end to end: registrations through the local stack's API, from
//     request to recorded mail, and the processes' peak memory.
//
// Nothing here asserts: goals are compared and reported, not enforced.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/checkout"
)

// Goals, as ratios to the baselines and as sizes.
const (
	goalColdRatio     = 1.15 // a function's median to /next, to its floor's
	goalWarmRatio     = 1.3  // eventshop's notification consumer, to the bare handler making the same calls
	goalEnvelopeRatio = 3    // decoding and validating an envelope, to json.Unmarshal of it
	goalPeerWarm      = 25   // the Powertools peer's cost per message, to eventshop's
	goalPeerCold      = 40   // the Powertools peer's cold init, to eventshop's notification function
	goalCallsPerEvt   = 0.1
	goalBootstrapMiB  = 12
)

// initRuns is how many runs with GODEBUG=inittrace=1 each bootstrap's
// package initialization is the median of.
const initRuns = 5

func main() {
	runs := flag.Int("runs", 60, "cold starts of each bootstrap")
	flows := flag.Int("flows", 500, "registrations in the end-to-end run")
	concurrency := flag.Int("concurrency", 16, "registrations in flight at once")
	count := flag.Int("count", 5, "runs of each Go benchmark")
	rounds := flag.Int("rounds", 3, "warm runs of each handler's process")
	batches := flag.Int("batches", 200, "measured batches of 10 in each warm run")
	loopback := flag.Bool("loopback", true, "also run each warm handler with its AWS calls answered over the loopback")
	warmBench := flag.Bool("warm-bench", true, "run go test -bench in the warm part")
	cpuProfile := flag.String("warm-cpuprofile", "", "a directory: each Go handler of the warm run writes a CPU profile of its measured batches there")
	parts := flag.String("parts", "cold,warm,peer,e2e", "the parts to run, for working on one; the report is written only when all run")
	onlyFloors := flag.Bool("floors", false, "only generate the functions' floors into bench/floor")
	render := flag.Bool("render", false, "only write the report again from the figures of the last full run (.local/bench.json)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if *render {
		var root string
		var b []byte
		if root, err = checkout.Root(); err == nil {
			if b, err = os.ReadFile(filepath.Join(root, ".local", "bench.json")); err == nil {
				var r report
				if err = json.Unmarshal(b, &r); err == nil {
					err = write(root, r, func(f string, a ...any) { fmt.Printf(f+"\n", a...) })
				}
			}
		}
	} else if *onlyFloors {
		var root string
		if root, err = checkout.Root(); err == nil {
			_, err = writeFloors(root)
		}
	} else {
		err = run(ctx, options{runs: *runs, flows: *flows, concurrency: *concurrency, count: *count, rounds: *rounds, parts: *parts,
			batches: *batches, loopback: *loopback, warmBench: *warmBench, cpuProfile: *cpuProfile})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	runs, flows, concurrency, count, rounds, batches int
	parts, cpuProfile                                string
	loopback, warmBench                              bool
}

func (o options) has(part string) bool { return slices.Contains(strings.Split(o.parts, ","), part) }

// Warm runs: batches of 10 handed to each handler before measuring (the
// measured ones are options.batches).
const warmupBatches = 30

func run(ctx context.Context, o options) error {
	root, err := checkout.Root()
	if err != nil {
		return err
	}
	began := time.Now()
	minutes, loopbackToo := 6, ""
	if o.loopback {
		minutes, loopbackToo = 8, ", then over the loopback"
	}
	fmt.Printf("make bench takes about %d minutes on 2 cores with a warm build cache, a few more on a cold one:\n"+
		"  1. cold init: %d starts of each of %d bootstraps (each function, its floor, hello-world), and their arm64 sizes\n"+
		"  2. warm cost: go test -bench, %d runs each; each handler's process, %d runs of %d batches of 10, its AWS calls answered in process%s\n"+
		"  3. the Powertools peer: its cold init and warm cost, beside eventshop's\n"+
		"  4. end to end: %d registrations at concurrency %d through the local stack\n\n",
		minutes, o.runs, len(coldTargets), o.count, o.rounds, o.batches, loopbackToo, o.flows, o.concurrency)
	step := func(format string, args ...any) {
		fmt.Printf("[%5.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
	}
	r := report{Date: time.Now().UTC(), Runs: o.runs, Rounds: o.rounds, Batches: o.batches}
	r.Machine = machine()

	dir, err := os.MkdirTemp("", "eventshop-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	var peer *powertools
	if o.has("peer") {
		step("the Powertools peer: npm ci in bench/powertools")
		if peer, err = installPowertools(ctx, root); err != nil {
			return err
		}
		r.Peer.Node = peer.version
	}

	if o.has("cold") {
		step("generating each function's floor from its code into bench/floor")
		if r.Clients, err = writeFloors(root); err != nil {
			return err
		}
		step("building the bootstraps for this machine; go list -deps of each")
		if err := buildHost(ctx, root, dir); err != nil {
			return err
		}
		if r.Deps, err = listDeps(ctx, root); err != nil {
			return err
		}
		step("cold init: %d rounds, each starting every bootstrap once, in turn", o.runs)
		starts, err := measureCold(ctx, dir, o.runs, func(round int) {
			if round%5 == 4 {
				step("cold init: %d of %d rounds", round+1, o.runs)
			}
		})
		if err != nil {
			return err
		}
		step("sizes for linux/arm64, and package init of each bootstrap by owner")
		for i, t := range coldTargets {
			c := cold{Name: t.name, Runs: starts[i]}
			if c.Size, err = armSize(ctx, root, dir, t); err != nil {
				return err
			}
			if c.Init, err = measureInit(ctx, filepath.Join(dir, t.binary()), t, initRuns); err != nil {
				return err
			}
			r.Cold = append(r.Cold, c)
		}
		if peer != nil {
			step("the Powertools peer's cold init: %d starts, each beside one of eventshop's notification", o.runs)
			if r.Peer.Cold, r.Peer.GoCold, err = measurePeerCold(ctx, peer, filepath.Join(dir, string(contract.Notification)), o.runs); err != nil {
				return err
			}
		}
	}

	if o.has("warm") {
		if o.warmBench {
			step("warm cost: go test -bench ./bench ./bench/awsstub ./functions/notification ./functions/relay ./events ./eventbus")
			if r.Bench, r.BenchRaw, err = runBenchmarks(ctx, root, o.count, "./bench", "./bench/awsstub", "./functions/notification", "./functions/relay", "./events", "./eventbus"); err != nil {
				return err
			}
		}
		step("warm cost: building the handlers' processes")
		targets, err := warmTargets(ctx, root, dir, peer, o.loopback)
		if err != nil {
			return err
		}
		step("warm cost: %d rounds, each handler's process given %d batches, then %d measured", o.rounds, warmupBatches, o.batches)
		if r.Warm, err = measureWarmProcs(ctx, root, dir, targets, o.rounds, warmupBatches, o.batches, o.cpuProfile, func(s string) { step("%s", s) }); err != nil {
			return err
		}
	}

	if o.has("e2e") {
		step("end to end: starting the local stack and registering %d users", o.flows)
		logf, err := os.Create(filepath.Join(root, ".local", "bench.log"))
		if err != nil {
			return err
		}
		defer logf.Close()
		if r.Flows, err = runFlows(ctx, root, o.flows, o.concurrency, logf); err != nil {
			step("end to end failed: %v", err)
			r.FlowsErr = err.Error()
		}
	}

	if o.parts != "cold,warm,peer,e2e" {
		// A partial run, for working on a part: what it measured joins what
		// earlier partial runs did, in .local, never bench/REPORT.md.
		path := filepath.Join(root, ".local", "bench-partial.json")
		var all report
		if b, err := os.ReadFile(path); err == nil {
			_ = json.Unmarshal(b, &all)
		}
		all.Date, all.Machine = r.Date, r.Machine
		if o.has("peer") {
			all.Peer.Node = r.Peer.Node
		}
		if o.has("cold") {
			all.Runs, all.Cold, all.Clients, all.Deps, all.Peer.Cold, all.Peer.GoCold = r.Runs, r.Cold, r.Clients, r.Deps, r.Peer.Cold, r.Peer.GoCold
		}
		if o.has("warm") {
			all.Rounds, all.Batches, all.Warm = r.Rounds, r.Batches, r.Warm
			if o.warmBench {
				all.Bench, all.BenchRaw = r.Bench, r.BenchRaw
			}
		}
		if o.has("e2e") {
			all.Flows, all.FlowsErr = r.Flows, r.FlowsErr
		}
		b, err := json.Marshal(all)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
		step("done; a partial run writes its figures to .local/bench-partial.json, not the report")
		fmt.Print(r.summary())
		if len(all.Cold) > 0 && len(all.Warm) > 0 {
			return os.WriteFile(filepath.Join(root, ".local", "REPORT.partial.md"), []byte(all.markdown()), 0o644)
		}
		return nil
	}
	if b, err := json.Marshal(r); err == nil {
		_ = os.WriteFile(filepath.Join(root, ".local", "bench.json"), b, 0o644) // for -render
	}
	return write(root, r, step)
}

// write writes bench/REPORT.md and bench/report.png from r.
func write(root string, r report, step func(string, ...any)) error {
	step("writing bench/REPORT.md and bench/report.png")
	if err := r.plot(filepath.Join(root, "bench", "report.png")); err != nil {
		return err
	}
	md := r.markdown()
	if err := os.WriteFile(filepath.Join(root, "bench", "REPORT.md"), []byte(md), 0o644); err != nil {
		return err
	}
	step("done")
	fmt.Println()
	fmt.Print(r.summary())
	return nil
}
