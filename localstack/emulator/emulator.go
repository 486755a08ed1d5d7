package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/eventshop/eventshop/localstack/proc"
)

// Emulator is a running kumo.
type Emulator struct {
	// URL is the endpoint for every AWS service, e.g. http://127.0.0.1:4566.
	URL  string
	Addr string
	proc *proc.Process
}

// Options configure Start.
type Options struct {
	// Root is the eventshop checkout; the pinned kumo is built from its
	// localstack/kumo module into .local/bin.
	Root string
	// Port to listen on at 127.0.0.1; 0 picks a free one.
	Port int
	// Region is what the emulator reports in ARNs.
	Region string
	// Log receives the emulator's output, prefixed with "kumo".
	Log io.Writer
	// Binary is a kumo built by Build; Start builds one if it is empty.
	Binary string
	// DataDir, when set, is where kumo keeps its state (KUMO_DATA_DIR):
	// each service's snapshot, written within a second of a change and
	// when kumo stops, and read when it starts. Empty keeps everything in
	// memory, gone when it stops.
	DataDir string
}

// Build compiles the pinned kumo, with eventshop's patches applied and
// only the services eventshop uses (services.go), into root/.local/bin and
// returns its path. With a warm Go build cache it takes about a second;
// cold (empty Go module and build caches), about a minute and a half on two
// cores: 100 CPU seconds, a seventh of kumo's own command, which has all
// ~90 services and a CLI.
//
// The module comes from the Go module cache as localstack/kumo/go.mod pins
// it; its source is copied to .local/kumo/src, the patches in
// localstack/kumo/patches are applied with git apply, eventshop's own main
// is written beside kumo's (cmd/eventshop-kumo), and the tools module is
// built with a replace directive pointing at that copy.
func Build(ctx context.Context, root string) (string, error) {
	tools := filepath.Join(root, "localstack", "kumo")
	work := filepath.Join(root, ".local", "kumo")
	src, build := filepath.Join(work, "src"), filepath.Join(work, "build")
	bin := filepath.Join(root, ".local", "bin", "kumo")

	// Tests in several packages may build at once: take turns.
	if err := os.MkdirAll(filepath.Dir(work), 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(work + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()

	patches, _ := filepath.Glob(filepath.Join(tools, "patches", "*.patch"))
	mainSrc := kumoMain()
	stamp, err := fingerprint(append([]string{filepath.Join(tools, "go.mod"), filepath.Join(tools, "go.sum")}, patches...), mainSrc)
	if err != nil {
		return "", err
	}
	if got, _ := os.ReadFile(filepath.Join(work, "stamp")); string(got) != stamp {
		if err := prepareSource(ctx, tools, work, src, build, patches, mainSrc); err != nil {
			return "", fmt.Errorf("prepare kumo: %w", err)
		}
		if err := os.WriteFile(filepath.Join(work, "stamp"), []byte(stamp), 0o644); err != nil {
			return "", err
		}
	}
	if err := proc.Run(ctx, build, []string{"GOFLAGS=-mod=mod"}, "go", "build", "-o", bin, mainPackage); err != nil {
		return "", fmt.Errorf("build kumo: %w", err)
	}
	return bin, nil
}

func prepareSource(ctx context.Context, tools, work, src, build string, patches []string, mainSrc []byte) error {
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	var mod struct{ Dir string }
	out, err := proc.Output(ctx, tools, "go", "mod", "download", "-json", "github.com/sivchari/kumo")
	if err != nil {
		return err
	}
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return fmt.Errorf("locate kumo in the module cache: %s", out)
	}
	if err := os.CopyFS(src, os.DirFS(mod.Dir)); err != nil {
		return err
	}
	// The copy lies inside the checkout's repository, and git apply, run
	// in a repository, silently skips a git-style patch's paths outside
	// the current directory: keep git from finding that repository.
	outside := []string{"GIT_CEILING_DIRECTORIES=" + filepath.Dir(src)}
	for _, patch := range patches {
		if err := proc.Run(ctx, src, outside, "git", "apply", "-p1", patch); err != nil {
			return fmt.Errorf("apply %s: %w", filepath.Base(patch), err)
		}
	}
	cmd := filepath.Join(src, "cmd", filepath.Base(mainPackage))
	if err := os.MkdirAll(cmd, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cmd, "main.go"), mainSrc, 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(build, 0o755); err != nil {
		return err
	}
	gomod, err := os.ReadFile(filepath.Join(tools, "go.mod"))
	if err != nil {
		return err
	}
	gomod = append(gomod, []byte("\nreplace github.com/sivchari/kumo => ../src\n")...)
	gosum, err := os.ReadFile(filepath.Join(tools, "go.sum"))
	if err != nil {
		return err
	}
	return errors.Join(
		os.WriteFile(filepath.Join(build, "go.mod"), gomod, 0o644),
		os.WriteFile(filepath.Join(build, "go.sum"), gosum, 0o644),
	)
}

// fingerprint hashes the files and the generated main that decide what
// Build produces.
func fingerprint(files []string, mainSrc []byte) (string, error) {
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	fmt.Fprintf(h, "main.go %d\n", len(mainSrc))
	h.Write(mainSrc)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Start builds and starts kumo and waits until it accepts connections.
func Start(ctx context.Context, opts Options) (*Emulator, error) {
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = Build(ctx, opts.Root); err != nil {
			return nil, err
		}
	}
	if opts.Port != 0 {
		return start(ctx, bin, opts.Port, opts)
	}
	// A free port may be taken between asking and binding, by another test
	// package starting its own emulator: then try another.
	for attempt := 1; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		e, err := start(ctx, bin, port, opts)
		if err == nil || attempt == 3 {
			return e, err
		}
	}
}

func start(ctx context.Context, bin string, port int, opts Options) (*Emulator, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("start kumo: %s is already in use (is another local stack running?)", addr)
	}
	// The address goes in KUMO_HOST and KUMO_PORT, not flags: execute-api
	// reaches Lambda through kumo's own endpoint, which kumo reads from
	// these variables alone.
	env := append(os.Environ(),
		"KUMO_HOST=127.0.0.1", "KUMO_PORT="+strconv.Itoa(port), "KUMO_LOG_LEVEL=warn",
		"AWS_DEFAULT_REGION="+opts.Region, "AWS_REGION="+opts.Region)
	if opts.DataDir != "" {
		env = append(env, "KUMO_DATA_DIR="+opts.DataDir)
	}
	p, err := proc.Start("kumo", bin, nil, env, opts.Log)
	if err != nil {
		return nil, err
	}
	e := &Emulator{URL: "http://" + addr, Addr: addr, proc: p}
	if err := e.waitReady(ctx); err != nil {
		p.Stop(time.Second)
		return nil, err
	}
	return e, nil
}

func (e *Emulator) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", e.Addr, 100*time.Millisecond); err == nil {
			c.Close()
			// Make sure the listener is ours: a kumo that lost the port
			// to another exits at once.
			select {
			case <-e.proc.Done():
				return fmt.Errorf("kumo exited: %v", e.proc.Err())
			case <-time.After(50 * time.Millisecond):
				return nil
			}
		}
		select {
		case <-e.proc.Done():
			return fmt.Errorf("kumo exited before it was ready: %v", e.proc.Err())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("kumo did not listen on %s within 15s", e.Addr)
}

// PID is the emulator's process id.
func (e *Emulator) PID() int { return e.proc.PID() }

// Done is closed if the emulator exits.
func (e *Emulator) Done() <-chan struct{} { return e.proc.Done() }

// Stop ends the emulator, giving it three seconds to write its snapshots
// if it has a DataDir; without one, everything it held is gone.
func (e *Emulator) Stop() { e.proc.Stop(3 * time.Second) }

// FreePort asks the kernel for a port nobody listens on at 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
