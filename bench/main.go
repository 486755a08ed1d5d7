// Command bench is make bench: it measures eventshop's speed, always
// beside a baseline measured in the same run, and writes the report to
// bench/REPORT.md with a picture, bench/report.png.
//
//  1. Cold init: each function's bootstrap, from exec to its first request
//     for an invocation and to its first response, against a Runtime API
//     of its own, beside a hello-world aws-lambda-go bootstrap; and the
//     stripped linux/arm64 size of each.
//  2. Warm cost: go test -bench of the notification consumer beside a bare
//     aws-lambda-go handler making the same mail call, and of the relay's
//     PutEvents calls per event in a burst.
//  3. Local end to end: registrations through the local stack's API, from
//     request to recorded mail, and the processes' peak memory.
//
// Nothing here asserts: goals are compared and reported, not enforced.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/eventshop/eventshop/localstack/checkout"
)

// Goals, as ratios to the baselines and as sizes.
const (
	goalColdRatio    = 1.2
	goalWarmRatio    = 1.3
	goalCallsPerEvt  = 0.1
	goalBootstrapMiB = 12
)

// initRuns is how many runs with GODEBUG=inittrace=1 each bootstrap's
// package initialization is the median of.
const initRuns = 5

func main() {
	runs := flag.Int("runs", 20, "cold starts of each bootstrap")
	flows := flag.Int("flows", 500, "registrations in the end-to-end run")
	concurrency := flag.Int("concurrency", 16, "registrations in flight at once")
	count := flag.Int("count", 5, "runs of each Go benchmark")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *runs, *flows, *concurrency, *count); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, runs, flows, concurrency, count int) error {
	root, err := checkout.Root()
	if err != nil {
		return err
	}
	began := time.Now()
	fmt.Printf("make bench takes about a minute on 2 cores with a warm build cache, a few more on a cold one:\n"+
		"  1. cold init: %d starts of each of %d bootstraps, and their arm64 sizes\n"+
		"  2. warm cost: go test -bench, %d runs each\n"+
		"  3. end to end: %d registrations at concurrency %d through the local stack\n\n",
		runs, len(coldTargets), count, flows, concurrency)
	step := func(format string, args ...any) {
		fmt.Printf("[%5.1fs] %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
	}
	r := report{Date: time.Now().UTC(), Runs: runs}
	r.Machine = machine()

	step("building the bootstraps for this machine")
	dir, err := os.MkdirTemp("", "eventshop-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := buildHost(ctx, root, dir); err != nil {
		return err
	}
	step("cold init: %d rounds, each starting every bootstrap once, in turn", runs)
	starts, err := measureCold(ctx, dir, runs, func(round int) {
		if round%5 == 4 {
			step("cold init: %d of %d rounds", round+1, runs)
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
		if c.Init, err = measureInit(ctx, filepath.Join(dir, t.name), t, initRuns); err != nil {
			return err
		}
		r.Cold = append(r.Cold, c)
	}

	step("warm cost: go test -bench ./functions/notification ./functions/relay ./events ./eventbus")
	if r.Bench, r.BenchRaw, err = runBenchmarks(ctx, root, count, "./functions/notification", "./functions/relay", "./events", "./eventbus"); err != nil {
		return err
	}

	step("end to end: starting the local stack and registering %d users", flows)
	logf, err := os.Create(filepath.Join(root, ".local", "bench.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	if r.Flows, err = runFlows(ctx, root, flows, concurrency, logf); err != nil {
		return err
	}

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
