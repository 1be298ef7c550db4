package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/keyaudit/keyaudit/report"
)

// exportNames are the entries of an export directory that export owns:
// a new export replaces all of them, so no file of an earlier export
// (events.parquet beside a new events/ tree) is left to be read as current.
// Anything else in the directory is left alone.
var exportNames = []string{"events.parquet", "events", "credentials.parquet", "keys.parquet", "rotation.parquet", "sessions.parquet", "findings.parquet"}

// exportTargets returns the paths in dir that an export replaces.
func exportTargets(dir string) []string {
	t := make([]string, len(exportNames))
	for i, n := range exportNames {
		t[i] = filepath.Join(dir, n)
	}
	return t
}

// stage is where an export is written before it replaces the previous
// one: a fresh, private directory inside the output directory (so the
// final renames stay on one file system). Nothing in the output directory
// changes until commit; abort, a failure or an interrupt leaves the output
// directory as it was, including removing it when this run created it.
type stage struct {
	dir     string   // the output directory
	path    string   // DIR/.keyaudit-export-XXXX
	created []string // directories MkdirAll made for dir, outermost first
	inputs  *report.InputSet
	cancel  func() // unregisters the interrupt cleanup
}

// mkdirAllNew is os.MkdirAll that returns the directories it created,
// outermost first.
func mkdirAllNew(dir string) ([]string, error) {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for i, j := 0, len(missing)-1; i < j; i, j = i+1, j-1 {
		missing[i], missing[j] = missing[j], missing[i]
	}
	return missing, nil
}

// newStage creates the staging directory in dir; created are the
// directories this run made for dir (removed again on abort).
func newStage(dir string, created []string, inputs *report.InputSet) (*stage, error) {
	p, err := os.MkdirTemp(dir, ".keyaudit-export-*")
	if err != nil {
		return nil, fmt.Errorf("output directory %s is not writable: %v", dir, err)
	}
	s := &stage{dir: dir, path: p, created: created, inputs: inputs}
	s.cancel = onInterrupt(s.removeAll)
	return s, nil
}

// file returns the staged path of an export entry.
func (s *stage) file(name string) string { return filepath.Join(s.path, name) }

// removeAll removes the stage and the directories this run created (only
// if they are empty: another process may have put something there).
func (s *stage) removeAll() {
	os.RemoveAll(s.path)
	removeDirs(s.created)
}

// removeDirs removes the directories mkdirAllNew created, innermost first,
// each only if it is empty.
func removeDirs(created []string) {
	for i := len(created) - 1; i >= 0; i-- {
		os.Remove(created[i])
	}
}

// abort discards the export.
func (s *stage) abort() {
	s.cancel()
	s.removeAll()
}

// commit replaces every export entry in the output directory with its
// staged version (or removes it when this export has none), after checking
// once more that none of them is an input of the run. A failure part way
// puts the previous entries back.
func (s *stage) commit() error {
	defer s.cancel()
	for _, t := range exportTargets(s.dir) {
		if err := s.inputs.Check(t); err != nil {
			s.removeAll()
			return usageErr("%v", err)
		}
	}
	old := filepath.Join(s.path, ".previous")
	if err := os.Mkdir(old, 0o700); err != nil {
		s.removeAll()
		return err
	}
	type move struct{ from, to string }
	var done []move
	undo := func(err error) error {
		for i := len(done) - 1; i >= 0; i-- {
			os.Rename(done[i].to, done[i].from)
		}
		s.removeAll()
		return fmt.Errorf("replace the export in %s: %w", s.dir, err)
	}
	for _, n := range exportNames {
		final := filepath.Join(s.dir, n)
		if _, err := os.Lstat(final); err == nil {
			// A symlink is moved aside itself, never followed.
			m := move{final, filepath.Join(old, n)}
			if err := os.Rename(m.from, m.to); err != nil {
				return undo(err)
			}
			done = append(done, m)
		}
		staged := s.file(n)
		if _, err := os.Lstat(staged); err == nil {
			m := move{staged, final}
			if err := os.Rename(m.from, m.to); err != nil {
				return undo(err)
			}
			done = append(done, m)
		}
	}
	if d, err := os.Open(s.dir); err == nil {
		d.Sync()
		d.Close()
	}
	return os.RemoveAll(s.path)
}
