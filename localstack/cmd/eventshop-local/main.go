// Command eventshop-local runs eventshop on this machine, with no Docker
// and no AWS account: `make local` runs it. It stays in the foreground,
// printing every function's log lines under its name, until Ctrl-C, which
// stops everything it started and exits 0. What the stack holds (tables,
// queues, keys, mail) is kept in .local/state for the next run; -reset
// (make local-reset) starts afresh.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/runner"
)

func main() {
	var opts runner.Options
	flag.IntVar(&opts.APIPort, "port", 3000, "port of the HTTP API on 127.0.0.1")
	flag.IntVar(&opts.EmulatorPort, "emulator-port", 4566, "port of the AWS emulator on 127.0.0.1")
	flag.IntVar(&opts.ConsolePort, "console-port", 8080, "port of the local console on 127.0.0.1; 0 serves none")
	flag.StringVar(&opts.Stage, "stage", "local", "stage: the stack is eventshop-<stage>")
	flag.StringVar(&opts.Region, "region", "us-east-1", "AWS region the emulator reports")
	flag.StringVar(&opts.Template, "template", "", "deploy this synthesized template instead of synthesizing the CDK app")
	flag.IntVar(&opts.Instances, "instances", 0, "instances of each function (default: max(2, CPUs))")
	flag.StringVar(&opts.State, "state", ".local/state", "directory, relative to the checkout, where the stack keeps its data between runs; empty keeps nothing")
	flag.BoolVar(&opts.Reset, "reset", false, "start with a fresh state: delete what -state holds")
	buildOnly := flag.Bool("build-only", false, "build the emulator, the functions and the CDK app, then exit")
	flag.Parse()

	root, err := checkout.Root()
	if err != nil {
		fail(err)
	}
	opts.Root = root
	if opts.State != "" && !filepath.IsAbs(opts.State) {
		opts.State = filepath.Join(root, opts.State)
	}
	if *buildOnly {
		if err := runner.Build(context.Background(), root); err != nil {
			fail(err)
		}
		return
	}

	restore := foreground()
	defer restore()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stack, err := runner.Start(ctx, opts)
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "stopped before it was ready")
		return
	}
	if err != nil {
		restore()
		fail(err)
	}
	fmt.Fprintf(os.Stderr, `
  API       %[1]s
  console   %[4]s   (events live, flows, mail, queues and dead letters, faults)
  emulator  %[2]s   (AWS_ENDPOINT_URL=%[2]s, any credentials)
  outputs   .local/outputs.json
  mail      %[2]s/kumo/ses/v2/sent-emails
  faults    %[3]s   (PUT {"failRate":0.3} to fail 30%% of SES calls)

  try:  curl -si -X POST %[1]s/users -H 'Content-Type: application/json' -d '{"email":"ada@example.com","name":"Ada Lovelace"}'

Ctrl-C stops everything.
`, stack.APIURL, stack.EmulatorURL, stack.Outputs[string(contract.OutputFaultsURL)], cmp.Or(stack.ConsoleURL, "none (-console-port 0)"))

	select {
	case <-ctx.Done():
		fmt.Fprintln(os.Stderr, "\nstopping…")
	case <-stack.Done():
		fmt.Fprintln(os.Stderr, "the emulator exited; stopping…")
	}
	stack.Stop()
	if opts.State != "" {
		fmt.Fprintf(os.Stderr, "stopped; the state is kept in %s for the next make local (make local-reset starts afresh)\n", opts.State)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "eventshop-local:", err)
	os.Exit(1)
}
