package proc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a started child process.
type Process struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start runs path with args and env (added to nothing: the child sees only
// env). Each line the child writes to stdout or stderr goes to out, prefixed
// with "name | ". The child runs in its own process group, so a terminal's
// Ctrl-C reaches the runner alone, which then stops children in order; on
// Linux it is also killed if the runner dies.
func Start(name, path string, args, env []string, out io.Writer) (*Process, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.SysProcAttr = sysProcAttr()
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, done: make(chan struct{})}
	go prefixLines(out, pr, name)
	go func() {
		p.err = cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	return p, nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err is how the process ended; valid after Done is closed.
func (p *Process) Err() error { return p.err }

// PID is the operating system's id of the process.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stop asks the process to end (SIGTERM) and kills it if it has not
// within grace. It returns once the process is gone.
func (p *Process) Stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill ends the process at once, as a crash would.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

var outMu sync.Mutex

func prefixLines(out io.Writer, r io.Reader, name string) {
	br := bufio.NewReader(r)
	prefix := fmt.Sprintf("%-14s | ", name)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			outMu.Lock()
			fmt.Fprintln(out, prefix+strings.TrimSuffix(line, "\n"))
			outMu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// Run runs a short command to completion, such as a build, returning its
// combined output in the error if it fails.
func Run(ctx context.Context, dir string, env []string, path string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("%s %v: %w\n%s", path, args, err, out)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Output runs a short command to completion and returns its standard
// output.
func Output(ctx context.Context, dir string, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %v: %w\n%s", path, args, err, stderr.Bytes())
	}
	return out, nil
}
