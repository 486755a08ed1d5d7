package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/emulator"
	"github.com/eventshop/eventshop/localstack/lambdahost"
	"github.com/eventshop/eventshop/localstack/proc"
)

// builds are the binaries the stack runs.
type builds struct {
	kumo      string
	infra     string            // the CDK app; empty when a template is given
	functions map[string]string // bootstrap by package name
}

// Build builds what Start runs — the emulator, every function for this
// machine and the CDK app — so that a later Start, or a test that starts
// the emulator, finds them built.
func Build(ctx context.Context, root string) error {
	_, err := buildAll(ctx, root, true)
	return err
}

// buildAll builds the emulator, every function under functions/ for this
// machine (in one go build) and, if asked, the CDK app, in parallel. Go's
// build cache makes this a second or two when nothing changed.
func buildAll(ctx context.Context, root string, withInfra bool) (*builds, error) {
	sources, err := functionPackages()
	if err != nil {
		return nil, err
	}
	b := &builds{functions: map[string]string{}}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	record := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	wg.Go(func() {
		bin, err := emulator.Build(ctx, root)
		b.kumo = bin
		record(err)
	})
	if withInfra {
		wg.Go(func() {
			b.infra = filepath.Join(root, ".local", "bin", "infra")
			record(proc.Run(ctx, root, nil, "go", "build", "-o", b.infra, "./infra"))
		})
	}
	wg.Go(func() {
		bins, err := lambdahost.Build(ctx, root, sources)
		mu.Lock()
		for src, bin := range bins {
			b.functions[filepath.Base(src)] = bin
		}
		errs = append(errs, err)
		mu.Unlock()
	})
	wg.Wait()
	return b, errors.Join(errs...)
}

// functionPackages lists the Go packages of the stack's functions.
func functionPackages() ([]string, error) {
	var out []string
	for _, fn := range contract.Functions() {
		out = append(out, fn.Source())
	}
	return out, nil
}

// synthesize runs the CDK app as the cdk CLI would (same context from
// cdk.json, same output layout) into .local/cdk.out, with the functions'
// host builds as assets and the stage set. It skips the work when the app,
// the functions and the settings are what they were last time.
func synthesize(ctx context.Context, opts Options, b *builds) (string, error) {
	node := filepath.Join(opts.Root, "node_modules", ".bin", "node") // the pinned LTS, which npm ci installs on Linux x64
	if _, err := os.Stat(node); err != nil {
		if node, err = exec.LookPath("node"); err != nil {
			return "", errors.New("synthesizing the CDK app needs Node.js (jsii runs on it): run npm ci, or install Node 22 or 24")
		}
	}
	outdir := filepath.Join(opts.Root, ".local", "cdk.out")
	stack := contract.StackName(opts.Stage)
	tpl := filepath.Join(outdir, stack+".template.json")

	cdkJSON, err := os.ReadFile(filepath.Join(opts.Root, "cdk.json"))
	if err != nil {
		return "", err
	}
	var cdk struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(cdkJSON, &cdk); err != nil {
		return "", fmt.Errorf("cdk.json: %w", err)
	}
	cdkContext, _ := json.Marshal(cdk.Context)
	env := []string{
		"CDK_OUTDIR=" + outdir,
		"CDK_CONTEXT_JSON=" + string(cdkContext),
		"EVENTSHOP_STAGE=" + opts.Stage,
		"EVENTSHOP_ASSET_DIR=" + filepath.Join(".local", "functions"),
		// Retries one second apart, not five: a developer waits for them.
		"EVENTSHOP_RETRY_BASE_SECONDS=1",
		// An order deadline of half a minute, not twelve of those seconds:
		// on a laptop busy with builds and tests, payment and stock can
		// take longer than 12 s to answer, and such an order would expire.
		"EVENTSHOP_ORDER_DEADLINE_SECONDS=30",
		"JSII_NODE=" + node,
		"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1",
	}

	files := []string{b.infra}
	for _, name := range slices.Sorted(maps.Keys(b.functions)) {
		files = append(files, b.functions[name])
	}
	key, err := hashFiles(files, env)
	if err != nil {
		return "", err
	}
	stampFile := filepath.Join(outdir, ".eventshop-synth")
	if got, _ := os.ReadFile(stampFile); string(got) == key {
		if _, err := os.Stat(tpl); err == nil {
			return tpl, nil
		}
	}
	if err := os.RemoveAll(outdir); err != nil {
		return "", err
	}
	if err := proc.Run(ctx, opts.Root, env, b.infra); err != nil {
		return "", fmt.Errorf("synthesize: %w", err)
	}
	if _, err := os.Stat(tpl); err != nil {
		return "", fmt.Errorf("synthesize: no %s: %w", filepath.Base(tpl), err)
	}
	return tpl, os.WriteFile(stampFile, []byte(key), 0o644)
}

func hashFiles(files, extra []string) (string, error) {
	h := sha256.New()
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	for _, e := range extra {
		fmt.Fprintln(h, e)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// zipBootstrap packs a deployment package for a bootstrap. The emulator
// stores it and never runs it (the runner runs the bootstrap itself), and
// writes it into its snapshots when it keeps state: so it holds a small
// stand-in that names the bootstrap by its SHA-256, not the 10 MB binary.
// The function's CodeSha256 still changes whenever the bootstrap does.
func zipBootstrap(bin string) ([]byte, error) {
	f, err := os.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "#!/bin/sh\n# eventshop-local runs the bootstrap with SHA-256 %x itself.\nexit 1\n", h.Sum(nil))
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
