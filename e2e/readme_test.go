package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/contract"
	"github.com/eventshop/eventshop/localstack/checkout"
)

// readmeSections are the README's sections whose shell examples must run
// as written: the ones a newcomer tries first.
var readmeSections = []string{"Quick start", "The API", "Running locally"}

// The addresses the README's examples use, those of make local's defaults,
// and what the tests' stack has instead.
const (
	readmeAPI      = "http://127.0.0.1:3000"
	readmeEmulator = "http://127.0.0.1:4566"
	readmeOutputs  = ".local/outputs.json"
)

// example is one ```sh block of the README.
type example struct {
	section string
	line    int // of the block's first command, in README.md
	script  string
	want    []string // its full-line comments: what its commands print
}

// TestREADMEExamplesRun runs the shell examples of the README's first
// sections, read from README.md, against the stack under test: a command
// that stops working, or prints other than what the block's # lines show
// (… standing for anything), fails. Only the addresses change, to the test
// stack's; the blocks that run make (make local, make test) are left to
// TestMakeLocal…, since this is make test.
func TestREADMEExamplesRun(t *testing.T) {
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	examples, err := readmeExamples(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) < 4 {
		t.Fatalf("found %d shell examples in the README's %v sections; has the README changed shape?", len(examples), readmeSections)
	}
	replacer := strings.NewReplacer(
		readmeAPI, stack.api,
		readmeEmulator, stack.outputs[string(contract.OutputEmulatorURL)],
		readmeOutputs, stack.outputsFile,
	)
	for _, ex := range examples {
		t.Run(fmt.Sprintf("%s, line %d", ex.section, ex.line), func(t *testing.T) {
			if runsMake(ex.script) {
				t.Skip("runs make: TestMakeLocalKeepsStateAndStopsCleanly runs make local")
			}
			for _, tool := range []string{"curl", "jq", "aws"} {
				if regexp.MustCompile(`(^|[\s|$(])` + tool + `\s`).MatchString(ex.script) {
					if _, err := exec.LookPath(tool); err != nil {
						t.Skipf("%s is not installed here", tool)
					}
				}
			}
			cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+replacer.Replace(ex.script))
			cmd.Dir = root
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("README.md line %d: %v\n%s\nprinted:\n%s%s", ex.line, err, ex.script, out, stderr.String())
			}
			printed := strings.Split(strings.ReplaceAll(string(out), "\r", ""), "\n")
			for _, want := range ex.want {
				if !matchesALine(printed, want) {
					t.Errorf("README.md line %d: printed no line like %q; it printed:\n%s", ex.line, want, out)
				}
			}
		})
	}
}

// readmeExamples reads the ```sh blocks of readmeSections.
func readmeExamples(path string) ([]example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		out     []example
		section string
		cur     *example
		n       int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "## "):
			section = ""
			for _, s := range readmeSections {
				if strings.HasPrefix(line, "## "+s) {
					section = s
				}
			}
		case cur == nil && line == "```sh" && section != "":
			cur = &example{section: section, line: n + 1}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.script += line + "\n"
			if want, ok := strings.CutPrefix(line, "# "); ok {
				cur.want = append(cur.want, want)
			}
		}
	}
	return out, sc.Err()
}

// runsMake says whether a script's commands are make's.
func runsMake(script string) bool {
	for _, l := range strings.Split(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "make ") {
			return true
		}
	}
	return false
}

// matchesALine says whether a line of printed is want, where … in want
// stands for any text.
func matchesALine(printed []string, want string) bool {
	parts := strings.Split(want, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
	for _, l := range printed {
		if re.MatchString(strings.TrimSpace(l)) {
			return true
		}
	}
	return false
}
