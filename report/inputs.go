package report

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// InputSet is the set of files a run reads or skips as input, identified by
// device and inode so that another spelling of a path, a symlink or a hard
// link to an input is recognised. Outputs are checked against it before
// anything is written (Check) and again just before a File is renamed into
// place (Commit). A nil *InputSet protects nothing.
//
// An InputSet is filled before the run starts and only read afterwards;
// reads are safe from several goroutines.
type InputSet struct {
	files map[fileID]string // first path of each input file
}

type fileID struct{ dev, ino uint64 }

func idOf(fi fs.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, true
}

// NewInputSet returns an empty set.
func NewInputSet() *InputSet { return &InputSet{files: map[fileID]string{}} }

// Add records the file fi (from os.Stat of path) as an input.
func (s *InputSet) Add(path string, fi fs.FileInfo) {
	if id, ok := idOf(fi); ok {
		if _, dup := s.files[id]; !dup {
			s.files[id] = path
		}
	}
}

// AddPath records the file at path (symlinks followed) as an input; a
// path that does not exist is ignored.
func (s *InputSet) AddPath(path string) {
	if fi, err := os.Stat(path); err == nil {
		s.Add(path, fi)
	}
}

// Len is the number of input files.
func (s *InputSet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.files)
}

// input returns the input path of fi, if fi is an input.
func (s *InputSet) input(fi fs.FileInfo) (string, bool) {
	if s == nil {
		return "", false
	}
	id, ok := idOf(fi)
	if !ok {
		return "", false
	}
	p, ok := s.files[id]
	return p, ok
}

// Check returns an error wrapping ErrOutputIsInput, naming both paths, when writing, replacing
// or removing path would touch an input: path is an input file, a hard
// link or a symlink to one, or a directory (not followed through symlinks
// inside it) holding one. A path that does not exist passes.
func (s *InputSet) Check(path string) error {
	if s.Len() == 0 {
		return nil
	}
	lfi, err := os.Lstat(path)
	if err != nil {
		return nil // nothing there yet: nothing to lose
	}
	if fi, err := os.Stat(path); err == nil {
		if in, ok := s.input(fi); ok {
			return outputIsInput(path, in)
		}
	}
	if !lfi.IsDir() {
		if in, ok := s.input(lfi); ok {
			return outputIsInput(path, in)
		}
		return nil
	}
	var found error
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found != nil {
			return nil
		}
		fi, err := d.Info() // Lstat: a symlink inside is removed, not followed
		if err != nil {
			return nil
		}
		if in, ok := s.input(fi); ok {
			found = fmt.Errorf("refusing to replace %s: it holds an %w (%s)", path, ErrOutputIsInput, in)
			return fs.SkipAll
		}
		return nil
	})
	return found
}

func outputIsInput(out, in string) error {
	if out == in {
		return fmt.Errorf("refusing to write %s: it is an %w", out, ErrOutputIsInput)
	}
	return fmt.Errorf("refusing to write %s: it is an %w (%s)", out, ErrOutputIsInput, in)
}
