package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	// Whatever ends evctl short of a kill (Ctrl-C, a closed terminal, a
	// supervisor's SIGTERM) cancels ctx, so that tail removes its rule and
	// queue.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var usage usageError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintf(os.Stderr, "evctl: %v\n\n%s", err, help)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "evctl:", err)
		os.Exit(1)
	}
}

const help = `usage: evctl [--outputs FILE] [--stack NAME] [--json] COMMAND

  publish --file FILE                      publish an envelope, validated against its schema (- reads stdin)
  publish --type TYPE --data JSON          build an envelope of TYPE around the payload and publish it;
                                           a contact given open, as history shows it, is sealed
          [--correlation-id ID]
  tail [--type TYPE]… [--count N] [--for DURATION] [--cloudevents]
                                           watch the bus through a temporary rule and queue, removed
                                           when the tail ends (and by a later tail if it was killed);
                                           --cloudevents prints each event as a CloudEvent 1.0 (JSON)
  trace CORRELATION-ID                     a flow's causal tree from the event store, with timings
  history STREAM                           a stream's events, e.g. order-<orderId>
  replay [--from N] STREAM                 publish a stream's events again, marked as a replay
  dlq list [QUEUE…]                        what the dead-letter queues hold: count, reasons, event types, age
  dlq redrive QUEUE                        move a dead-letter queue's messages back: a consumer's to its
                                           queue, the bus's ("bus") each to its rule's target; the relay's
                                           ("relay") holds stream batches, not events, and is not redriven

flags:
  --outputs FILE   the stack's outputs (default .local/outputs.json, else cdk-outputs.json)
  --stack NAME     the stack in the outputs file, if it holds several
  --json           machine-readable output
`

// options are the flags every command shares, and where output goes.
type options struct {
	outputs string
	stack   string
	json    bool
	out     io.Writer // results
	errOut  io.Writer // progress and warnings
}

func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("evctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := options{out: out, errOut: errOut}
	fs.StringVar(&opts.outputs, "outputs", "", "")
	fs.StringVar(&opts.stack, "stack", "", "")
	fs.BoolVar(&opts.json, "json", false, "")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	args = fs.Args()
	if len(args) == 0 {
		return usageError{"no command"}
	}
	switch args[0] {
	case "publish":
		return publishCommand(ctx, opts, args[1:])
	case "tail":
		return tailCommand(ctx, opts, args[1:])
	case "trace":
		return traceCommand(ctx, opts, args[1:])
	case "history":
		return historyCommand(ctx, opts, args[1:])
	case "replay":
		return replayCommand(ctx, opts, args[1:])
	case "dlq":
		return dlqCommand(ctx, opts, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(out, help)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}
