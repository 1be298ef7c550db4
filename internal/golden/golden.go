// Package golden compares test output with expected files under testdata/.
//
// Every test binary that imports it gets one -update flag: with it, Check
// writes the output to the file instead of comparing, so a deliberate change
// is accepted with `go test ./pkg -update` and reviewed as a git diff.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ instead of comparing with them")

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// Check compares got with the file at path. Under -update it writes got to
// path (creating its directory) and passes. A difference fails the test with
// the first differing line of each side, not a dump of both.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if msg := Diff(got, want); msg != "" {
		t.Errorf("%s differs from the output (go test -update accepts the output; review the diff): %s", path, msg)
	}
}

// CheckString is Check for text.
func CheckString(t testing.TB, path, got string) {
	t.Helper()
	Check(t, path, []byte(got))
}

// Diff describes the first line where got and want differ, or returns "" when
// they are equal.
func Diff(got, want []byte) string {
	if bytes.Equal(got, want) {
		return ""
	}
	g, w := bytes.SplitAfter(got, []byte("\n")), bytes.SplitAfter(want, []byte("\n"))
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			return fmt.Sprintf("line %d (got %d lines, want %d)\n got: %s\nwant: %s",
				i+1, bytes.Count(got, []byte("\n")), bytes.Count(want, []byte("\n")), show(gl, i < len(g)), show(wl, i < len(w)))
		}
	}
	return "the bytes differ" // unreachable: equal lines make equal bytes
}

func show(line []byte, present bool) string {
	if !present {
		return "(end of file)"
	}
	return fmt.Sprintf("%q", line)
}
