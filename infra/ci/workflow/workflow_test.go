package workflow

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWorkflowsPassActionlint runs actionlint, the Go tool pinned in
// go.mod, on every workflow: a finding fails the test with actionlint's own
// report. shellcheck and pyflakes, which actionlint runs on run: scripts
// when it finds them on PATH, are turned off so that the result is the
// same on every machine.
func TestWorkflowsPassActionlint(t *testing.T) {
	root := moduleRoot(t)
	files := workflows(t, root)
	args := append([]string{"tool", "actionlint", "-no-color", "-shellcheck=", "-pyflakes="}, files...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go tool actionlint %s: %v\n%s", strings.Join(files, " "), err, out.String())
	}
}

// TestEveryActionIsPinnedByCommit holds each uses: of a third-party action
// to a full commit SHA with its release in a comment: a tag can be moved to
// other code, a commit cannot.
func TestEveryActionIsPinnedByCommit(t *testing.T) {
	root := moduleRoot(t)
	for _, file := range workflows(t, root) {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if err := checkPin(line); err != nil {
				t.Errorf("%s:%d: %v", file, i+1, err)
			}
		}
	}
}

func TestCheckPinTellsPinnedFromUnpinnedActions(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		ok         bool
	}{
		{"a commit SHA with its release in a comment passes", "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", true},
		{"an action in a subfolder pinned by commit passes", "    uses: github/codeql-action/init@3d3c42e5aac5ba805825da76410c181273ba90b1 # v4.1.0", true},
		{"a local action passes", "      - uses: ./.github/actions/setup", true},
		{"a line that uses no action passes", "      - run: make test", true},
		{"a tag fails", "      - uses: actions/checkout@v7", false},
		{"a branch fails", "      - uses: actions/checkout@main", false},
		{"a short SHA fails", "      - uses: actions/checkout@3d3c42e # v7.0.1", false},
		{"a commit without its release fails", "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", false},
		{"an upper-case SHA fails", "      - uses: actions/checkout@3D3C42E5AAC5BA805825DA76410C181273BA90B1 # v7.0.1", false},
		{"a container image by tag fails", "      - uses: docker://alpine:3.22", false},
		{"a container image by digest passes", "      - uses: docker://alpine@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1 # 3.22", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkPin(tc.line)
			if (err == nil) != tc.ok {
				t.Errorf("checkPin(%q) = %v, want ok %v", tc.line, err, tc.ok)
			}
		})
	}
}

var (
	usesLine = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)\s*(.*)$`)
	byCommit = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$`)
	byDigest = regexp.MustCompile(`^docker://[^@\s]+@sha256:[0-9a-f]{64}$`)
	release  = regexp.MustCompile(`^#\s*v?\d+(\.\d+)*\S*$`)
)

// checkPin says what is wrong with a workflow line's uses:, if anything.
func checkPin(line string) error {
	m := usesLine.FindStringSubmatch(line)
	if m == nil || strings.HasPrefix(m[1], "./") {
		return nil
	}
	ref, comment := strings.Trim(m[1], `"'`), m[2]
	if !byCommit.MatchString(ref) && !byDigest.MatchString(ref) {
		return fmt.Errorf("%s is not pinned: use owner/repo@<full 40-character commit SHA> # vX.Y.Z (or an image's sha256 digest)", ref)
	}
	if !release.MatchString(comment) {
		return fmt.Errorf("%s: name the release the pin stands for in a trailing comment, e.g. # v7.0.1", ref)
	}
	return nil
}

// TestDeployJobMatchesTheRoleTrust checks what the deploy role's trust
// policy relies on: a job of the environment it trusts, allowed to ask for
// an OIDC token, assuming the role named by the repository variable.
func TestDeployJobMatchesTheRoleTrust(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), Dir, "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^    environment: ` + regexp.QuoteMeta(Environment) + `$`),
		regexp.MustCompile(`(?m)^      id-token: write$`),
		regexp.MustCompile(`(?m)^          role-to-assume: \$\{\{ vars\.` + RoleVariable + ` \}\}$`),
		regexp.MustCompile(`(?m)^    if: .*vars\.` + RoleVariable + ` != ''`),
	} {
		if !want.Match(b) {
			t.Errorf("%s/ci.yml has no line matching %s", Dir, want)
		}
	}
}

func TestSubjectNamesTheRepositoryAndTheEnvironment(t *testing.T) {
	if got, want := Subject("octo-org/eventshop"), "repo:octo-org/eventshop:environment:production"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
}

// moduleRoot is the directory of the go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// workflows lists the workflow files, relative to root.
func workflows(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.yml", "*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, Dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			rel, err := filepath.Rel(root, f)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, rel)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no workflows in %s", filepath.Join(root, Dir))
	}
	return files
}
