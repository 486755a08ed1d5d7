package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/eventshop/eventshop/contract"
)

// A function's floor is the cold-init baseline it is measured against: a
// bootstrap that loads the AWS configuration and constructs exactly the
// AWS SDK clients the function constructs, and nothing else. The floors
// are generated from the functions' code, into bench/floor/<function>,
// at every make bench; TestFloorsAreCurrent keeps the copies in the
// repository in step with the functions.

const (
	sdkService = "github.com/aws/aws-sdk-go-v2/service/"
	module     = "github.com/eventshop/eventshop/"
)

// floorDir is where the floor of fn is generated, relative to the checkout.
func floorDir(fn contract.Function) string { return "bench/floor/" + string(fn) }

// clientsOf lists the AWS SDK clients the function built from source
// constructs, one entry per construction, by service (the import path's
// last element, such as "dynamodb"), sorted. It reads the code, not a
// list: every function body of the function's package is a root, and a
// call to a package-level function of eventshop's own packages is
// followed into that function's body (boot.Run's build callback is the
// package's setup, a root already; methods are not followed, as no
// eventshop method builds a client). A client is a call to NewFromConfig
// of a package under aws-sdk-go-v2/service/.
func clientsOf(root, source string) ([]string, error) {
	d := &deriver{root: root, fset: token.NewFileSet(), pkgs: map[string]*parsedPkg{}, memo: map[string][]string{}}
	p, err := d.pkg(module + filepath.ToSlash(source))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range p.files {
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
				clients, err := d.body(f, fd.Body, nil)
				if err != nil {
					return nil, err
				}
				out = append(out, clients...)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

type parsedPkg struct {
	files []*ast.File
	funcs map[string]*ast.FuncDecl // package-level functions, by name
	file  map[string]*ast.File     // the file each is declared in
}

type deriver struct {
	root string
	fset *token.FileSet
	pkgs map[string]*parsedPkg
	memo map[string][]string // "pkg.Func" → the clients one call constructs
}

func (d *deriver) pkg(path string) (*parsedPkg, error) {
	if p, ok := d.pkgs[path]; ok {
		return p, nil
	}
	dir := filepath.Join(d.root, filepath.FromSlash(strings.TrimPrefix(path, module)))
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &parsedPkg{funcs: map[string]*ast.FuncDecl{}, file: map[string]*ast.File{}}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(d.fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, f)
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil {
				p.funcs[fd.Name.Name], p.file[fd.Name.Name] = fd, f
			}
		}
	}
	d.pkgs[path] = p
	return p, nil
}

// imports maps each import name of f to its path.
func imports(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if spec.Name != nil {
			name = spec.Name.Name
		}
		out[name] = path
	}
	return out
}

// body returns the clients that running body once constructs.
func (d *deriver) body(f *ast.File, body *ast.BlockStmt, stack []string) ([]string, error) {
	imps := imports(f)
	var out []string
	var err error
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || err != nil {
			return err == nil
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		path, ok := imps[x.Name]
		switch {
		case !ok:
		case strings.HasPrefix(path, sdkService) && sel.Sel.Name == "NewFromConfig":
			out = append(out, strings.TrimPrefix(path, sdkService))
		case strings.HasPrefix(path, module):
			var clients []string
			clients, err = d.call(path, sel.Sel.Name, stack)
			out = append(out, clients...)
		}
		return true
	})
	return out, err
}

func (d *deriver) call(path, name string, stack []string) ([]string, error) {
	id := path + "." + name
	if clients, ok := d.memo[id]; ok {
		return clients, nil
	}
	if slices.Contains(stack, id) {
		return nil, nil // recursion constructs nothing more than the first call
	}
	p, err := d.pkg(path)
	if err != nil {
		return nil, err
	}
	fd, ok := p.funcs[name]
	if !ok || fd.Body == nil {
		return nil, nil // a type conversion, a variable, or a method value
	}
	clients, err := d.body(p.file[name], fd.Body, append(stack, id))
	if err != nil {
		return nil, err
	}
	d.memo[id] = clients
	return clients, nil
}

// floorSource is the Go source of fn's floor, which constructs clients.
func floorSource(fn contract.Function, clients []string) ([]byte, error) {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("// Code generated by make bench (bench/floor.go) from %s; DO NOT EDIT.\n\n", fn.Source())
	p("// Command %s is the cold-init floor of the %s function: it loads the AWS\n", fn, fn)
	p("// configuration and constructs the AWS SDK clients that function constructs\n")
	p("// (%s), and does nothing else.\n", describeClients(clients))
	p("package main\n\nimport (\n\t\"context\"\n\t\"encoding/json\"\n\t\"log\"\n\n")
	p("\t\"github.com/aws/aws-lambda-go/lambda\"\n\t\"github.com/aws/aws-sdk-go-v2/config\"\n")
	for _, svc := range slices.Compact(slices.Clone(clients)) {
		p("\t%q\n", sdkService+svc)
	}
	p(")\n\nfunc main() {\n\tcfg, err := config.LoadDefaultConfig(context.Background())\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n")
	p("\tclients := []any{\n")
	for _, svc := range clients {
		p("\t\t%s.NewFromConfig(cfg),\n", svc[strings.LastIndex(svc, "/")+1:])
	}
	p("\t}\n\tlambda.Start(func(context.Context, json.RawMessage) (any, error) {\n\t\treturn len(clients), nil\n\t})\n}\n")
	return format.Source(b.Bytes())
}

// describeClients reads clients as "DynamoDB ×2, KMS".
func describeClients(clients []string) string {
	if len(clients) == 0 {
		return "none"
	}
	var parts []string
	for _, svc := range slices.Compact(slices.Clone(clients)) {
		n := 0
		for _, c := range clients {
			if c == svc {
				n++
			}
		}
		s := svc
		if n > 1 {
			s += fmt.Sprintf(" ×%d", n)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// floors derives every function's floor: its clients and its source.
func floors(root string) (map[contract.Function][]string, map[contract.Function][]byte, error) {
	clients, sources := map[contract.Function][]string{}, map[contract.Function][]byte{}
	for _, fn := range contract.Functions() {
		c, err := clientsOf(root, fn.Source())
		if err != nil {
			return nil, nil, fmt.Errorf("clients of %s: %w", fn, err)
		}
		src, err := floorSource(fn, c)
		if err != nil {
			return nil, nil, fmt.Errorf("floor of %s: %w", fn, err)
		}
		clients[fn], sources[fn] = c, src
	}
	return clients, sources, nil
}

// writeFloors generates every function's floor into bench/floor, and
// removes the floors of functions the stack no longer has.
func writeFloors(root string) (map[contract.Function][]string, error) {
	clients, sources, err := floors(root)
	if err != nil {
		return nil, err
	}
	old, _ := filepath.Glob(filepath.Join(root, "bench", "floor", "*"))
	for _, dir := range old {
		if _, ok := sources[contract.Function(filepath.Base(dir))]; !ok {
			if err := os.RemoveAll(dir); err != nil {
				return nil, err
			}
		}
	}
	for fn, src := range sources {
		dir := filepath.Join(root, filepath.FromSlash(floorDir(fn)))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
			return nil, err
		}
	}
	return clients, nil
}
