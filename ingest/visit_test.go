package ingest

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestVisitFiles: every regular file the ingest reads or skips is visited,
// in walk order, through symlinks, each directory once; FIFOs and "-" are
// not files.
func TestVisitFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a/report.csv", "a/CloudTrail-Digest/d.json.gz", "b/notes.txt"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "b", "loop")) // a directory seen again
	os.Symlink(filepath.Join(dir, "a", "report.csv"), filepath.Join(dir, "b", "link.csv"))
	syscall.Mkfifo(filepath.Join(dir, "b", "fifo"), 0o600)
	var got []string
	VisitFiles([]string{filepath.Join(dir, "a"), "-", filepath.Join(dir, "b")}, func(p string, fi fs.FileInfo) {
		rel, _ := filepath.Rel(dir, p)
		got = append(got, filepath.ToSlash(rel))
	})
	want := []string{"a/CloudTrail-Digest/d.json.gz", "a/report.csv", "b/link.csv", "b/notes.txt"}
	if !slices.Equal(got, want) {
		t.Errorf("visited %v, want %v", got, want)
	}
}
