// Command evctl is eventshop's operator CLI. It works against the local
// stack and AWS alike: it finds the stack's queues and tables in an
// outputs file (make local writes .local/outputs.json, make deploy
// cdk-outputs.json), uses the default AWS credential chain, and honours
// AWS_ENDPOINT_URL.
//
//	evctl publish --file FILE | --type TYPE --data JSON   publish a validated envelope
//	evctl tail [--type TYPE]… [--count N] [--for 30s]    watch the bus
//	evctl trace CORRELATION-ID                           a flow's causal tree, with timings
//	evctl history STREAM                                 a stream's events
//	evctl replay [--from N] STREAM                       publish a stream's events again, marked as a replay
//	evctl dlq list [consumer…]                           what each dead-letter queue holds, and why
//	evctl dlq redrive CONSUMER                           move a dead-letter queue back to its queue
//
// Output is for humans; --json is for scripts. Errors go to stderr with
// exit status 1; a usage error exits with 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
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
  publish --type TYPE --data JSON          build an envelope of TYPE around the payload and publish it
          [--correlation-id ID]
  tail [--type TYPE]… [--count N] [--for DURATION]
                                           watch the bus through a temporary rule and queue
  trace CORRELATION-ID                     a flow's causal tree from the event store, with timings
  history STREAM                           a stream's events, e.g. order-<orderId>
  replay [--from N] STREAM                 publish a stream's events again, marked as a replay
  dlq list [CONSUMER…]                     what the dead-letter queues hold: count, reasons, event types, age
  dlq redrive CONSUMER                     move a consumer's dead-letter queue back to its queue

flags:
  --outputs FILE   the stack's outputs (default .local/outputs.json, else cdk-outputs.json)
  --stack NAME     the stack in the outputs file, if it holds several
  --json           machine-readable output
`

// options are the flags every command shares.
type options struct {
	outputs string
	stack   string
	json    bool
	out     io.Writer
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("evctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := options{out: out}
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
