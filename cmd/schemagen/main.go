// Command schemagen writes, from JSON Schemas, the Go validators that
// check documents against them with package jsoncheck (see
// jsoncheck/schemagen). go generate runs it:
//
//	schemagen -pkg events -out schemas_gen.go [-ref FILE]… DIR…
//
// writes the validators of every *.json schema in the directories, and of
// the schemas in -ref files that their $refs reach.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/eventshop/eventshop/jsoncheck/schemagen"
)

func main() {
	pkg := flag.String("pkg", "", "package of the generated file")
	out := flag.String("out", "", "file to write")
	var refs stringList
	flag.Var(&refs, "ref", "a schema file that $refs may reach (repeatable)")
	flag.Parse()
	if *pkg == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: schemagen -pkg NAME -out FILE [-ref FILE]… DIR…")
		os.Exit(2)
	}
	var files []string
	for _, dir := range flag.Args() {
		matches, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			fail(err)
		}
		files = append(files, matches...)
	}
	src, err := schemagen.Generate(*pkg, files, refs)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "schemagen:", err)
	os.Exit(1)
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
