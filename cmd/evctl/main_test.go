package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/contract"
)

// evctl runs evctl in process, as main does, without a stack: what it
// prints and the status it exits with.
func evctl(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = status(run(context.Background(), args, &out, &errOut), &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpGoesToStdoutAndMistakesExitWith2(t *testing.T) {
	const whole, tail = "dlq redrive QUEUE", "tail [--type TYPE]… [--count N]"
	for _, tt := range []struct {
		name         string
		args         []string
		status       int
		stdout       []string // what stdout holds
		notInStdout  []string
		stderr       []string // what stderr holds
		longerStderr bool     // than a line and a pointer to -h
	}{
		{name: "-h prints the whole usage", args: []string{"-h"}, stdout: []string{"usage: evctl", whole, tail, "--outputs FILE"}},
		{name: "--help prints the whole usage", args: []string{"--help"}, stdout: []string{"usage: evctl", whole, tail}},
		{name: "help prints the whole usage", args: []string{"help"}, stdout: []string{"usage: evctl", whole, tail}},
		{name: "-h after the global flags prints the whole usage", args: []string{"--json", "--stack", "s", "-h"}, stdout: []string{whole, tail}},
		{name: "a command's -h prints its usage alone", args: []string{"tail", "-h"}, stdout: []string{tail, "--outputs FILE"}, notInStdout: []string{whole}},
		{name: "a command's --help prints its usage alone", args: []string{"history", "--help"}, stdout: []string{"history STREAM"}, notInStdout: []string{tail}},
		{name: "help of a command prints its usage", args: []string{"help", "trace"}, stdout: []string{"trace CORRELATION-ID", contract.CorrelationHeader}, notInStdout: []string{tail}},
		{name: "a dlq subcommand's -h prints dlq's usage", args: []string{"dlq", "list", "-h"}, stdout: []string{"dlq list [QUEUE…]", whole}, notInStdout: []string{tail}},
		{name: "every command has a -h", args: []string{"publish", "-h"}, stdout: []string{"publish --file FILE"}},
		{name: "an unknown flag is a short mistake", args: []string{"--frob"}, status: 2,
			stderr: []string{"evctl: flag provided but not defined: -frob", `run "evctl -h" for usage`}},
		{name: "an unknown flag of a command names the command", args: []string{"tail", "--frob"}, status: 2,
			stderr: []string{"evctl: tail: flag provided but not defined: -frob", `run "evctl tail -h" for usage`}},
		{name: "a flag a dlq subcommand lacks is a mistake", args: []string{"dlq", "redrive", "--all"}, status: 2,
			stderr: []string{"evctl: dlq: flag provided but not defined: -all", `run "evctl dlq -h" for usage`}},
		{name: "a flag without its value is a mistake", args: []string{"--outputs"}, status: 2, stderr: []string{"flag needs an argument: -outputs"}},
		{name: "a wrong number of arguments is a mistake", args: []string{"history"}, status: 2, stderr: []string{"evctl: history: name one stream", `run "evctl history -h"`}},
		{name: "an unknown command is a mistake", args: []string{"frob"}, status: 2, stderr: []string{`evctl: unknown command "frob"`, `run "evctl -h" for usage`}},
		{name: "help of an unknown command is a mistake", args: []string{"help", "frob"}, status: 2, stderr: []string{`unknown command "frob"`}},
		{name: "no command at all prints the whole usage to stderr", args: nil, status: 2, stderr: []string{"evctl: no command", whole}, longerStderr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := evctl(tt.args...)
			if code != tt.status {
				t.Errorf("evctl %q exits with %d, want %d; stderr:\n%s", tt.args, code, tt.status, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, unwanted := range tt.notInStdout {
				if strings.Contains(stdout, unwanted) {
					t.Errorf("stdout holds %q:\n%s", unwanted, stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			switch {
			case tt.status == 0 && stderr != "":
				t.Errorf("help wrote to stderr:\n%s", stderr)
			case tt.status != 0 && stdout != "":
				t.Errorf("a mistake wrote to stdout:\n%s", stdout)
			case tt.status != 0 && !tt.longerStderr && strings.Count(stderr, "\n") > 2:
				t.Errorf("the message of a mistake is long:\n%s", stderr)
			}
			if strings.Contains(stdout+stderr, "help requested") {
				t.Errorf("evctl says the flag package's %q", "help requested")
			}
		})
	}
}
