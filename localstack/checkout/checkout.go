package checkout

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// Module is eventshop's module path.
const Module = "github.com/eventshop/eventshop"

// Root returns the directory of eventshop's go.mod, searching upwards from
// the working directory.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(mod, []byte("module "+Module+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the eventshop checkout: no go.mod of " + Module + " above the working directory")
		}
		dir = parent
	}
}
