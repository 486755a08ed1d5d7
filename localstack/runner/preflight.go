package runner

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// preflight checks, before anything is built, that the ports the stack
// listens on are free, and names the make variable that chooses another.
func preflight(opts Options) error {
	var errs []error
	for _, p := range []struct {
		port     int
		what, by string
	}{
		{opts.APIPort, "the API", "PORT"},
		{opts.EmulatorPort, "the emulator", "EMULATOR_PORT"},
		{opts.ConsolePort, "the console", "CONSOLE_PORT"},
	} {
		if p.port <= 0 {
			continue // picked when it listens
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)))
		if err != nil {
			errs = append(errs, fmt.Errorf("port %d, for %s, is in use: choose another with make local %s=…", p.port, p.what, p.by))
			continue
		}
		l.Close()
	}
	if opts.APIPort > 0 && opts.APIPort == opts.EmulatorPort {
		errs = append(errs, fmt.Errorf("the API and the emulator cannot share port %d", opts.APIPort))
	}
	if opts.ConsolePort > 0 && (opts.ConsolePort == opts.APIPort || opts.ConsolePort == opts.EmulatorPort) {
		errs = append(errs, fmt.Errorf("the console cannot share port %d with the API or the emulator", opts.ConsolePort))
	}
	return errors.Join(errs...)
}
