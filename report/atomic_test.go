package report

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leftovers lists the files in dir other than keep.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.Contains(strings.Join(keep, "\x00"), e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestCreateCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "old" {
		t.Errorf("before Commit the target holds %q, want the old content", got)
	}
	fi, err := os.Stat(f.tmp)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("temporary file mode %v, want 0600", fi.Mode().Perm())
	}
	if filepath.Dir(f.tmp) != dir {
		t.Errorf("temporary file %s not in %s", f.tmp, dir)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "new" {
		t.Errorf("after Commit the target holds %q", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("committed file mode %v, want 0600", fi.Mode().Perm())
	}
	if left := leftovers(t, dir, "out.csv"); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
	if err := f.Commit(); !errors.Is(err, ErrFinished) {
		t.Errorf("second Commit: %v, want ErrFinished", err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v, want nil", err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, ErrFinished) {
		t.Errorf("Write after Commit: %v, want ErrFinished", err)
	}
}

func TestCreateAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	f, err := Create(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("partial"))
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("target exists after Abort: %v", err)
	}
	if left := leftovers(t, dir); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
	if err := f.Commit(); !errors.Is(err, ErrFinished) {
		t.Errorf("Commit after Abort: %v, want ErrFinished", err)
	}
}

func TestAbortAll(t *testing.T) {
	dir := t.TempDir()
	var files []*File
	for _, name := range []string{"a", "b", "c"} {
		f, err := Create(filepath.Join(dir, name), nil)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(name))
		files = append(files, f)
	}
	if err := files[0].Commit(); err != nil {
		t.Fatal(err)
	}
	if err := AbortAll(); err != nil {
		t.Fatal(err)
	}
	if left := leftovers(t, dir); len(left) != 1 || left[0] != "a" {
		t.Errorf("after AbortAll the directory holds %v, want only the committed a", left)
	}
	if err := files[1].Commit(); !errors.Is(err, ErrFinished) {
		t.Errorf("Commit after AbortAll: %v, want ErrFinished", err)
	}
	if err := AbortAll(); err != nil {
		t.Errorf("second AbortAll: %v", err)
	}
}

func TestCreateRefusesInput(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "report.csv")
	if err := os.WriteFile(input, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(input, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.csv")
	if err := os.Link(input, hard); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, out string
		inputs    []string
	}{
		{"same path", input, []string{input}},
		{"other spelling", filepath.Join(dir, ".", "report.csv"), []string{input}},
		{"symlink to input", link, []string{input}},
		{"hard link", hard, []string{filepath.Join(dir, "x"), input}},
		{"input given as symlink", input, []string{link}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins := NewInputSet()
			for _, in := range tt.inputs {
				ins.AddPath(in)
			}
			f, err := Create(tt.out, ins)
			if err == nil {
				f.Abort()
				t.Fatal("Create accepted an input file as output")
			}
			if !errors.Is(err, ErrOutputIsInput) {
				t.Errorf("error %v is not ErrOutputIsInput", err)
			}
		})
	}
	if got := readFile(t, input); got != "data" {
		t.Errorf("input changed to %q", got)
	}
	if left := leftovers(t, dir, "report.csv", "link.csv", "hard.csv"); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

// TestCommitRechecksInputs: an input hard-linked to the output path after
// Create is still not replaced.
func TestCommitRechecksInputs(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.csv")
	os.WriteFile(input, []byte("evidence"), 0o644)
	ins := NewInputSet()
	ins.AddPath(input)
	out := filepath.Join(dir, "out.csv")
	f, err := Create(out, ins)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("findings"))
	if err := os.Link(input, out); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); !errors.Is(err, ErrOutputIsInput) {
		t.Fatalf("Commit over a new link to an input: %v, want ErrOutputIsInput", err)
	}
	if got := readFile(t, input); got != "evidence" {
		t.Errorf("input changed to %q", got)
	}
	if left := leftovers(t, dir, "in.csv", "out.csv"); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

// TestInputSetCheckDirectory: a directory is refused when it holds an
// input anywhere below it, not when it only holds a symlink to one.
func TestInputSetCheckDirectory(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "events", "a", "b")
	os.MkdirAll(deep, 0o755)
	input := filepath.Join(deep, "in.json")
	os.WriteFile(input, []byte("{}"), 0o644)
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o755)
	os.Symlink(input, filepath.Join(other, "link.json"))
	ins := NewInputSet()
	ins.AddPath(input)
	if err := ins.Check(filepath.Join(dir, "events")); !errors.Is(err, ErrOutputIsInput) || !strings.Contains(err.Error(), input) || !strings.Contains(err.Error(), "replace") {
		t.Errorf("Check(dir holding an input) = %v", err)
	}
	if err := ins.Check(other); err != nil {
		t.Errorf("Check(dir holding only a symlink to an input) = %v", err)
	}
	if err := ins.Check(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("Check(missing) = %v", err)
	}
	var none *InputSet
	if err := none.Check(input); err != nil {
		t.Errorf("nil set: %v", err)
	}
}

func TestCreateSymlinkTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.csv")
	os.WriteFile(target, []byte("old"), 0o644)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	f, err := Create(link, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("new"))
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, target); got != "new" {
		t.Errorf("symlink target holds %q, want new", got)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced by a file (%v)", err)
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(dir, nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Create(directory): %v", err)
	}
	if _, err := Create(filepath.Join(dir, "missing", "out"), nil); err == nil {
		t.Error("Create in a missing directory succeeded")
	}

	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	if probe, err := os.Create(filepath.Join(ro, "probe")); err == nil {
		probe.Close()
		t.Skip("running with privileges that ignore directory permissions")
	}
	_, err := Create(filepath.Join(ro, "out.csv"), nil)
	if !errors.Is(err, ErrNotWritable) {
		t.Errorf("Create in a read-only directory: %v, want ErrNotWritable", err)
	}
	if err != nil && !strings.Contains(err.Error(), "not writable") {
		t.Errorf("error %q does not say the directory is not writable", err)
	}
}

func TestNotWritable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}, true},
		{&fs.PathError{Op: "open", Path: "/x", Err: syscall.EPERM}, true},
		{&fs.PathError{Op: "open", Path: "/x", Err: syscall.EROFS}, true},
		{&fs.PathError{Op: "open", Path: "/x", Err: syscall.ENOENT}, false},
		{&fs.PathError{Op: "open", Path: "/x", Err: syscall.ENOSPC}, false},
	}
	for _, tt := range tests {
		if got := notWritable(tt.err); got != tt.want {
			t.Errorf("notWritable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestCreateDevice: -o /dev/null must write to the device, not replace it
// with a regular file (which, as root, would break /dev/null for everyone).
func TestCreateDevice(t *testing.T) {
	before, err := os.Stat(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	for _, finish := range []string{"commit", "abort"} {
		f, err := Create(os.DevNull, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte("discarded\n")); err != nil {
			t.Fatal(err)
		}
		if finish == "commit" {
			err = f.Commit()
		} else {
			err = f.Abort()
		}
		if err != nil {
			t.Fatalf("%s: %v", finish, err)
		}
		after, err := os.Stat(os.DevNull)
		if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
			t.Fatalf("%s replaced %s: mode %v -> %v", finish, os.DevNull, before.Mode(), after.Mode())
		}
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(os.DevNull), ".null.tmp-*"))
	if len(matches) > 0 {
		t.Fatalf("temporary files left next to %s: %v", os.DevNull, matches)
	}
}
