// Package boottest checks, in a function's tests, that the function
// starts from the environment its contract declares alone: a variable it
// reads through boot.Env that the contract does not give it, and so the
// stack does not set, fails the check. (Reading the environment around
// boot, with os.Getenv, is what boot is there to avoid.)
package boottest

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/functions/internal/boot"
)

// Starts builds fn's handler with build from an environment that holds
// a well-formed value for each variable the contract gives fn, and
// nothing else, and fails the test if that does not work: a variable the
// function reads but the contract does not give it, and so the stack does
// not set, is such a failure.
func Starts(t *testing.T, fn contract.Function, build boot.Build) {
	t.Helper()
	// The AWS configuration is the machine's otherwise: a developer's
	// profile must not decide whether a function starts.
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	env := map[string]string{}
	for _, v := range fn.Env() {
		env[string(v)] = v.Example()
	}
	handler, err := boot.Start(context.Background(), fn, func(name string) string { return env[name] }, slog.New(slog.DiscardHandler), build)
	if err != nil {
		t.Fatalf("%s does not start from its contract's environment: %v", fn, err)
	}
	if handler == nil {
		t.Fatalf("%s built no handler", fn)
	}
}
