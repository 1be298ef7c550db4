// Package coltest checks, in tests, that a consumer of CloudTrail event
// records declares every event column it reads, so that commands can leave
// the other columns out of the ingest (ingest.Options.OmitColumns).
package coltest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const cloudtrailPath = "github.com/keyaudit/keyaudit/ingest/cloudtrail"

// schemaColumns returns the names of the Col* constants of the cloudtrail
// package in column order, read from its schema.go.
func schemaColumns(t *testing.T) []string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(self), "..", "..", "ingest", "cloudtrail", "schema.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		var names []string
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				names = append(names, n.Name)
			}
		}
		if len(names) > 0 && names[0] == "ColEventTime" {
			if i := slices.Index(names, "NumColumns"); i > 0 {
				return names[:i]
			}
		}
	}
	t.Fatalf("%s: no Col* const block", path)
	return nil
}

// Named returns the event columns that the non-test Go files of dir name
// (cloudtrail.ColX), sorted.
func Named(t *testing.T, dir string) []int {
	t.Helper()
	index := map[string]int{}
	for i, n := range schemaColumns(t) {
		index[n] = i
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		local := "" // the name the file imports cloudtrail as
		for _, im := range f.Imports {
			if p, _ := strconv.Unquote(im.Path.Value); p == cloudtrailPath {
				local = "cloudtrail"
				if im.Name != nil {
					local = im.Name.Name
				}
			}
		}
		if local == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == local {
				if i, ok := index[sel.Sel.Name]; ok {
					seen[i] = true
				}
			}
			return true
		})
	}
	var out []int
	for i := range seen {
		out = append(out, i)
	}
	slices.Sort(out)
	return out
}

// Check fails t unless declared holds every column the non-test Go files
// of dir name.
func Check(t *testing.T, dir string, declared []int) {
	t.Helper()
	names := schemaColumns(t)
	for _, c := range Named(t, dir) {
		if !slices.Contains(declared, c) {
			t.Errorf("%s reads cloudtrail.%s, which its Columns do not declare", dir, names[c])
		}
	}
}
