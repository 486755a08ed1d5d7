package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/eventshop/eventshop/contract"
)

// usageError is a mistake on the command line: of evctl's own flags or
// its command if command is "", else of that command. The message is
// short, and points at -h, unless whole asks for the whole usage.
type usageError struct {
	command, msg string
	whole        bool
}

func (e usageError) Error() string {
	if e.command == "" {
		return e.msg
	}
	return e.command + ": " + e.msg
}

// helpRequested is -h or --help, given to evctl (command "") or to a
// command: not a mistake, so its usage goes to stdout.
type helpRequested struct{ command string }

func (h helpRequested) Error() string { return "help requested" }

func main() {
	// Whatever ends evctl short of a kill (Ctrl-C, a closed terminal, a
	// supervisor's SIGTERM) cancels ctx, so that tail removes its rule and
	// queue.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := status(run(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
	stop()
	os.Exit(code)
}

// status reports how run ended on errOut and returns evctl's exit status:
// 0 done, 1 failed, 2 a mistake on the command line.
func status(err error, errOut io.Writer) int {
	var usage usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &usage):
		if usage.whole {
			fmt.Fprintf(errOut, "evctl: %v\n\n%s", err, usageOf(usage.command))
		} else {
			fmt.Fprintf(errOut, "evctl: %v\nrun %q for usage\n", err, strings.Join(strings.Fields("evctl "+usage.command+" -h"), " "))
		}
		return 2
	default:
		fmt.Fprintln(errOut, "evctl:", err)
		return 1
	}
}

// The usage: helpHead, then each command's part, then helpFlags.
const (
	helpHead  = "usage: evctl [--outputs FILE] [--stack NAME] [--json] COMMAND\n\n"
	helpFlags = `
flags, before the command:
  --outputs FILE   the stack's outputs (default .local/outputs.json, else cdk-outputs.json)
  --stack NAME     the stack in the outputs file, if it holds several
  --json           machine-readable output
  -h, --help       this usage, or after a command its own
`
)

// commands are evctl's commands, in the order the usage lists them, each
// with its part of the usage.
var commands = []struct {
	name  string
	run   func(context.Context, options, []string) error
	usage string
}{
	{"publish", publishCommand, `  publish --file FILE                      publish an envelope, validated against its schema (- reads stdin)
  publish --type TYPE --data JSON          build an envelope of TYPE around the payload and publish it;
                                           a contact given open, as history shows it, is sealed
          [--correlation-id ID]
`},
	{"tail", tailCommand, `  tail [--type TYPE]… [--count N] [--for DURATION] [--cloudevents]
                                           watch the bus through a temporary rule and queue, removed
                                           when the tail ends (and by a later tail if it was killed);
                                           --cloudevents prints each event as a CloudEvent 1.0 (JSON)
`},
	{"trace", traceCommand, `  trace CORRELATION-ID                     a flow's causal tree from the event store, with timings;
                                           an API call returns its id in the ` + contract.CorrelationHeader + ` header
`},
	{"history", historyCommand, `  history STREAM                           a stream's events, e.g. order-<orderId>
`},
	{"replay", replayCommand, `  replay [--from N] STREAM                 publish a stream's events again, marked as a replay
`},
	{"dlq", dlqCommand, `  dlq list [QUEUE…]                        what the dead-letter queues hold: count, reasons, event types, age
  dlq redrive QUEUE                        move a dead-letter queue's messages back: a consumer's to its
                                           queue, the bus's ("bus") each to its rule's target; the relay's
                                           ("relay") holds stream batches, not events, and is not redriven
`},
}

// usageOf is evctl's usage, or a command's if command is not "".
func usageOf(command string) string {
	var b strings.Builder
	b.WriteString(helpHead)
	for _, c := range commands {
		if command == "" || c.name == command {
			b.WriteString(c.usage)
		}
	}
	b.WriteString(helpFlags)
	return b.String()
}

// options are the flags every command shares, and where output goes.
type options struct {
	outputs string
	stack   string
	json    bool
	out     io.Writer // results
	errOut  io.Writer // progress and warnings
}

// run runs the command that args name. A request for help is not an
// error: the usage goes to out.
func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	err := dispatch(ctx, args, out, errOut)
	var help helpRequested
	if errors.As(err, &help) {
		_, err = io.WriteString(out, usageOf(help.command))
	}
	return err
}

func dispatch(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("evctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	opts := options{out: out, errOut: errOut}
	fs.StringVar(&opts.outputs, "outputs", "", "")
	fs.StringVar(&opts.stack, "stack", "", "")
	fs.BoolVar(&opts.json, "json", false, "")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return helpRequested{}
	} else if err != nil {
		return usageError{msg: err.Error()}
	}
	args = fs.Args()
	if len(args) == 0 {
		return usageError{msg: "no command", whole: true}
	}
	if args[0] == "help" {
		// help [COMMAND]
		if len(args) == 1 {
			return helpRequested{}
		}
		args = []string{args[1], "-h"}
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, opts, args[1:])
		}
	}
	return usageError{msg: fmt.Sprintf("unknown command %q", args[0])}
}
