// Package emulatortest starts the embedded emulator for the tests that
// run against it, in the integration run only (EVENTSHOP_INTEGRATION=1,
// as make test sets): the one way every such test gets one.
package emulatortest

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/eventshop/eventshop/localstack/checkout"
	"github.com/eventshop/eventshop/localstack/emulator"
)

// Region is the region the emulator reports.
const Region = "us-east-1"

// Enabled says whether this is an integration run.
func Enabled() bool { return os.Getenv("EVENTSHOP_INTEGRATION") != "" }

// Start starts an emulator for one test, and stops it when the test ends;
// outside the integration run it skips the test. It returns the emulator's
// URL and an SDK configuration that sends every call to it.
func Start(t testing.TB) (url string, cfg aws.Config) {
	t.Helper()
	if !Enabled() {
		t.Skip("set EVENTSHOP_INTEGRATION=1 to run against the embedded emulator")
	}
	url, cfg, stop, err := start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url, cfg
}

// Shared starts an emulator that a package's tests share, from TestMain:
// call stop when they are done. Outside the integration run it starts
// nothing and returns a nil stop.
func Shared() (url string, cfg aws.Config, stop func(), err error) {
	if !Enabled() {
		return "", aws.Config{}, nil, nil
	}
	return start()
}

func start() (string, aws.Config, func(), error) {
	root, err := checkout.Root()
	if err != nil {
		return "", aws.Config{}, nil, err
	}
	ctx := context.Background()
	e, err := emulator.Start(ctx, emulator.Options{Root: root, Region: Region, Log: io.Discard})
	if err != nil {
		return "", aws.Config{}, nil, fmt.Errorf("start the emulator: %w", err)
	}
	cfg, err := emulator.Config(ctx, e.URL, Region)
	if err != nil {
		e.Stop()
		return "", aws.Config{}, nil, err
	}
	return e.URL, cfg, e.Stop, nil
}
