package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/eventshop/eventshop/eventstore"
)

// command is how every command begins: its flags, parsed strictly, with
// a mistake reported as a usage error that names the command.
type command struct {
	name string
	*flag.FlagSet
}

func newCommand(name string) command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return command{name: name, FlagSet: fs}
}

// parse reads the command's flags from args; Args holds the rest. -h or
// --help asks for the command's usage.
func (c command) parse(args []string) error {
	err := c.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return helpRequested{c.name}
	case err != nil:
		return c.usage("%v", err)
	}
	return nil
}

// usage is a mistake on the command line of this command.
func (c command) usage(format string, args ...any) error {
	return usageError{command: c.name, msg: fmt.Sprintf(format, args...)}
}

// openStore opens the stack and its event store, for the commands that
// read events.
func openStore(ctx context.Context, opts options) (*stack, *eventstore.Dynamo, error) {
	s, err := openStack(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	store, err := s.eventStore()
	return s, store, err
}
