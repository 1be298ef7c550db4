package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// ErrOutputIsInput is the cause of the error Create returns when the output
// path is one of the input files.
var ErrOutputIsInput = errors.New("input of this run")

// ErrNotWritable is the cause of the error Create returns when the output
// directory does not accept new files.
var ErrNotWritable = errors.New("directory is not writable")

// ErrFinished is returned by Commit after Commit or Abort (including
// AbortAll), and by Write after either.
var ErrFinished = errors.New("output file already committed or aborted")

// File is an output file written under a temporary name in the directory
// of its final path, with mode 0600, and renamed into place by Commit. A
// crash or Abort leaves the final path untouched (and, after Abort, no
// temporary file).
//
// Every File between Create and Commit/Abort is registered, so that a
// signal handler can call AbortAll. A File is safe for use by one writer
// goroutine plus a concurrent Abort/AbortAll.
type File struct {
	mu   sync.Mutex
	f    *os.File
	path string // final path, symlinks resolved
	tmp  string // "" when writing directly (see Create)
	done bool
	ins  *InputSet
}

var registry = struct {
	sync.Mutex
	open map[*File]struct{}
}{open: make(map[*File]struct{})}

// Create starts writing path. It refuses an existing directory and a path
// that is one of inputs (by device and inode, so other spellings, symlinks
// and hard links are caught); Commit checks that again just before the
// rename. When path is a symlink, the file it points to is replaced.
//
// When path exists and is not a regular file (/dev/null, /dev/stdout, a
// FIFO), there is nothing to replace atomically: Create opens it and
// writes to it directly, and Commit and Abort only close it. Renaming a
// temporary file over a device would replace the device itself.
func Create(path string, inputs *InputSet) (*File, error) {
	if err := inputs.Check(path); err != nil {
		return nil, err
	}
	final := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if resolved, err := filepath.EvalSymlinks(path); err == nil {
			final = resolved
		}
	}
	if fi, err := os.Stat(final); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("create output %s: is a directory", path)
		}
		if !fi.Mode().IsRegular() {
			f, err := os.OpenFile(final, os.O_WRONLY, 0)
			if err != nil {
				return nil, fmt.Errorf("create output %s: %w", path, err)
			}
			out := &File{f: f, path: final}
			registry.Lock()
			registry.open[out] = struct{}{}
			registry.Unlock()
			return out, nil
		}
	}
	dir := filepath.Dir(final)
	f, err := os.CreateTemp(dir, "."+filepath.Base(final)+".tmp-*")
	if err != nil {
		if notWritable(err) {
			return nil, fmt.Errorf("create output %s: %w: %s", path, ErrNotWritable, dir)
		}
		return nil, fmt.Errorf("create output %s: %w", path, err)
	}
	// CreateTemp uses 0600 today; make it explicit for the contract.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("create output %s: %w", path, err)
	}
	out := &File{f: f, path: final, tmp: f.Name(), ins: inputs}
	registry.Lock()
	registry.open[out] = struct{}{}
	registry.Unlock()
	return out, nil
}

// Name returns the final path (with symlinks resolved).
func (f *File) Name() string { return f.path }

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	done := f.done
	f.mu.Unlock()
	if done {
		return 0, ErrFinished
	}
	// Not holding the lock while writing lets Abort interrupt a slow
	// write; a write racing with Abort fails with "file already closed".
	return f.f.Write(p)
}

// Commit flushes the file to disk, renames it to its final path and syncs
// the directory. On error the temporary file is removed and the final path
// is left as it was.
func (f *File) Commit() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return fmt.Errorf("commit %s: %w", f.path, ErrFinished)
	}
	f.done = true
	unregister(f)
	if f.tmp == "" { // direct write to a device or pipe
		if err := f.f.Close(); err != nil {
			return fmt.Errorf("commit %s: %w", f.path, err)
		}
		return nil
	}
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// An input may have been linked to the final path since Create.
		err = f.ins.Check(f.path)
	}
	if err == nil {
		err = os.Rename(f.tmp, f.path)
	}
	if err != nil {
		os.Remove(f.tmp)
		if errors.Is(err, ErrOutputIsInput) {
			return err
		}
		return fmt.Errorf("commit %s: %w", f.path, err)
	}
	// Make the rename durable. Some file systems cannot sync a directory;
	// the data itself is already on disk, so that is not an error.
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Abort closes and removes the temporary file. It is a no-op after Commit
// or Abort, so it is safe to defer.
func (f *File) Abort() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return nil
	}
	f.done = true
	unregister(f)
	cerr := f.f.Close()
	if f.tmp == "" {
		return nil // a device or pipe: nothing of ours to remove
	}
	if err := os.Remove(f.tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("abort %s: %w", f.path, err)
	}
	if cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		return fmt.Errorf("abort %s: %w", f.path, cerr)
	}
	return nil
}

// AbortAll aborts every File created and neither committed nor aborted.
// It is meant for a SIGINT/SIGTERM handler and returns the errors joined.
func AbortAll() error {
	registry.Lock()
	files := make([]*File, 0, len(registry.open))
	for f := range registry.open {
		files = append(files, f)
	}
	registry.Unlock()
	var errs []error
	for _, f := range files {
		errs = append(errs, f.Abort())
	}
	return errors.Join(errs...)
}

// notWritable reports whether err from creating a file means the directory
// refuses new files: permission denied, or a read-only file system.
func notWritable(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

func unregister(f *File) {
	registry.Lock()
	delete(registry.open, f)
	registry.Unlock()
}
