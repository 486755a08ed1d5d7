package emulator

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/eventshop/eventshop/localstack/checkout"
)

// notEmulated are the checkout's directories whose AWS calls never go to
// the emulator.
var notEmulated = map[string]string{
	"infra":        "the CDK app, synthesized and deployed to AWS",
	"cmd/awscheck": "checks the AWS credentials of make deploy with STS",
}

// TestServicesAreThoseTheCheckoutCalls holds services, what eventshop's
// kumo is built with, to the AWS SDK clients the checkout imports: a
// client of a service left out would fail against the emulator with an
// unknown operation, and a service nobody calls only slows the build.
func TestServicesAreThoseTheCheckoutCalls(t *testing.T) {
	root, err := checkout.Root()
	if err != nil {
		t.Fatal(err)
	}
	called := map[string][]string{} // service -> the files that import its client
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if _, skip := notEmulated[rel]; skip || rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if s, ok := strings.CutPrefix(p, "github.com/aws/aws-sdk-go-v2/service/"); ok {
				s, _, _ = strings.Cut(s, "/")
				called[s] = append(called[s], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for s, files := range called {
		if !slices.Contains(services, s) {
			if len(files) > 3 {
				files = append(files[:3], fmt.Sprintf("%d more", len(files)-3))
			}
			t.Errorf("eventshop's kumo is built without %s, whose AWS SDK client %s import: add %q to services in localstack/emulator/services.go (or, if those calls never go to the emulator, their directory to notEmulated here)",
				s, strings.Join(files, ", "), s)
		}
	}
	for _, s := range services {
		if len(called[s]) == 0 {
			t.Errorf("services in localstack/emulator/services.go names %q, whose client nothing outside %v imports: remove it, and kumo builds faster", s, notEmulatedDirs())
		}
	}
}

func notEmulatedDirs() []string {
	var dirs []string
	for d := range notEmulated {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}
