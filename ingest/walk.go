package ingest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/keyaudit/keyaudit/collect/layout"
)

// job is one file for a worker to read.
type job struct {
	path  string // as walked from the path the user gave; "-" is stdin
	stdin bool
	ord   int64 // position in the walk: the copy of an event met first wins dedup
}

// fileKey identifies a file across paths and symlinks.
type fileKey struct{ dev, ino uint64 }

func keyOf(fi fs.FileInfo) (fileKey, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{}, false
	}
	return fileKey{uint64(st.Dev), uint64(st.Ino)}, true
}

// walker turns the user's paths into jobs, in a deterministic order
// (arguments in order, directory entries sorted by name), reading each file
// once and never opening anything but regular files and directories.
type walker struct {
	ctx      context.Context
	jobs     chan<- job
	total    *atomic.Int64
	files    map[fileKey]string // first path of each file
	dirs     map[fileKey]string // first path of each directory
	onStack  map[fileKey]bool
	stdin    bool
	skipped  []SkippedFile
	errs     []*InputError
	stats    map[Kind]*Counts
	canceled bool
	sent     int64 // jobs sent so far
}

func (w *walker) count(k Kind) *Counts {
	c := w.stats[k]
	if c == nil {
		c = &Counts{}
		w.stats[k] = c
	}
	return c
}

func (w *walker) send(j job) {
	if w.canceled {
		return
	}
	j.ord = w.sent
	w.sent++
	select {
	case w.jobs <- j:
		w.total.Add(1)
	case <-w.ctx.Done():
		w.canceled = true
	}
}

func (w *walker) skip(path string, k Kind, reason string) {
	w.skipped = append(w.skipped, SkippedFile{File: path, Kind: k, Reason: reason})
	c := w.count(k)
	c.Files++
	c.FilesSkipped++
}

func (w *walker) fail(path string, err error) {
	w.errs = append(w.errs, &InputError{File: path, Record: -1, Err: err})
	c := w.count(KindUnknown)
	c.Files++
	c.FilesFailed++
}

// walkArg walks one path the user gave.
func (w *walker) walkArg(path string) {
	if path == "-" {
		if w.stdin {
			w.skipped = append(w.skipped, SkippedFile{File: path, Kind: KindUnknown, Reason: "standard input given twice"})
			return
		}
		w.stdin = true
		w.send(job{path: "-", stdin: true})
		return
	}
	w.walk(path)
}

func (w *walker) walk(path string) {
	if w.canceled {
		return
	}
	fi, err := os.Stat(path) // follows symlinks
	if err != nil {
		w.fail(path, err)
		return
	}
	key, haveKey := keyOf(fi)
	switch mode := fi.Mode(); {
	case mode.IsDir():
		if haveKey {
			if w.onStack[key] {
				w.skipped = append(w.skipped, SkippedFile{File: path, Kind: KindUnknown,
					Reason: fmt.Sprintf("directory loop: %s is already being read", w.dirs[key])})
				return
			}
			if first, ok := w.dirs[key]; ok {
				w.skipped = append(w.skipped, SkippedFile{File: path, Kind: KindUnknown,
					Reason: fmt.Sprintf("same directory as %s", first)})
				return
			}
			w.dirs[key] = path
			w.onStack[key] = true
			defer delete(w.onStack, key)
		}
		entries, err := os.ReadDir(path) // sorted by name
		if err != nil {
			w.fail(path, err)
			return
		}
		for _, e := range entries {
			w.walk(filepath.Join(path, e.Name()))
		}
	case mode.IsRegular():
		if haveKey {
			if first, ok := w.files[key]; ok {
				w.skipped = append(w.skipped, SkippedFile{File: path, Kind: KindUnknown,
					Reason: fmt.Sprintf("same file as %s", first)})
				return
			}
			w.files[key] = path
		}
		if k, reason := skipByPath(path); reason != "" {
			w.skip(path, k, reason)
			return
		}
		w.send(job{path: path})
	default:
		w.skip(path, KindUnknown, "not a regular file: "+modeName(mode))
	}
}

// skipByPath recognises CloudTrail's digest and Insights folders, and the
// files `keyaudit collect` writes beside its inputs.
func skipByPath(path string) (Kind, string) {
	switch base := filepath.Base(path); {
	case base == layout.ManifestName:
		return KindUnknown, "keyaudit collect manifest"
	case base == layout.SignaturesName:
		return KindDigest, "keyaudit collect digest signatures"
	case layout.IsPublicKeysFile(base):
		return KindDigest, "keyaudit collect CloudTrail public keys"
	}
	for _, part := range strings.Split(filepath.ToSlash(path), "/") {
		switch part {
		case "CloudTrail-Digest":
			return KindDigest, "CloudTrail digest file (under CloudTrail-Digest/)"
		case "CloudTrail-Insight":
			return KindUnknown, "CloudTrail Insights events are not read (under CloudTrail-Insight/)"
		}
	}
	return "", ""
}

func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return m.Type().String()
}

// VisitFiles calls visit for every regular file that Run would reach from
// paths (read or skipped), with its os.Stat info: directories are walked in
// the same order, following symlinks, each directory once. It reads no
// file and reports no error (Run does); "-" is not a file and is passed
// over. Commands use it to know every input before writing any output.
func VisitFiles(paths []string, visit func(path string, fi fs.FileInfo)) {
	seen := map[fileKey]bool{}
	var walk func(path string)
	walk = func(path string) {
		fi, err := os.Stat(path)
		if err != nil {
			return
		}
		switch {
		case fi.Mode().IsRegular():
			visit(path, fi)
		case fi.IsDir():
			if key, ok := keyOf(fi); ok {
				if seen[key] {
					return
				}
				seen[key] = true
			}
			entries, err := os.ReadDir(path)
			if err != nil {
				return
			}
			for _, e := range entries {
				walk(filepath.Join(path, e.Name()))
			}
		}
	}
	for _, p := range paths {
		if p != "-" {
			walk(p)
		}
	}
}
