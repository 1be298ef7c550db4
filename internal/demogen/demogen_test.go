package demogen

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyaudit/keyaudit/internal/golden"
)

const demoDir = "../../testdata/demo/cloudtrail"

// TestDemoUpToDate checks that the committed demo files are exactly what
// Write produces; `go test ./internal/demogen -update` rewrites them.
func TestDemoUpToDate(t *testing.T) {
	if golden.Update() {
		if err := os.RemoveAll(demoDir); err != nil {
			t.Fatal(err)
		}
		if err := Write(demoDir); err != nil {
			t.Fatal(err)
		}
	}
	fresh := t.TempDir()
	if err := Write(fresh); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, fresh)
	got := readTree(t, demoDir)
	for name, data := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: missing from testdata (run go test ./internal/demogen -update)", name)
		} else if !bytes.Equal(g, data) {
			t.Errorf("%s: differs from what demogen writes (run go test ./internal/demogen -update)", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: in testdata but not written by demogen", name)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Write(a); err != nil {
		t.Fatal(err)
	}
	if err := Write(b); err != nil {
		t.Fatal(err)
	}
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) == 0 || len(ta) != len(tb) {
		t.Fatalf("trees differ in size: %d vs %d files", len(ta), len(tb))
	}
	for name, data := range ta {
		if !bytes.Equal(data, tb[name]) {
			t.Errorf("%s: two runs wrote different bytes", name)
		}
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
