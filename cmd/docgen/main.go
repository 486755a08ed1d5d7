// Command docgen writes eventshop's documents from its code — the event
// catalogue, the schemas, the topology and the routes — so that none is
// kept by hand: an AsyncAPI 3.0 document of the bus, an OpenAPI 3.1
// document of the HTTP API, the event catalogue page, and the flow diagram
// in the README. make docs runs it; a test fails when what it would write
// differs from what is committed.
//
//	docgen [-root DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	root := flag.String("root", ".", "the eventshop checkout")
	flag.Parse()
	docs, err := Generate(*root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
	for path, content := range docs {
		if err := os.WriteFile(filepath.Join(*root, path), content, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "docgen:", err)
			os.Exit(1)
		}
	}
}
