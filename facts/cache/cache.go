package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// Layout of a cache directory.
const (
	markerName = "KEYAUDIT-CACHE"
	markerText = "keyaudit fact cache, format 1: one entry per CloudTrail input file (see `keyaudit cache info`)\n"
	entriesDir = "entries"
	entryExt   = ".kfc"
	tempPrefix = ".tmp-"
	dirPerm    = 0o700
	filePerm   = 0o600
	EnvDir     = "KEYAUDIT_CACHE_DIR" // the environment variable the CLI reads for --cache
)

// ErrNotCache is the cause of the error Open, Clean and Prune return for
// a directory that is neither empty nor a keyaudit cache.
var ErrNotCache = errors.New("not a keyaudit cache")

// Cache is an open cache directory. Several processes may use one
// directory at once: entries are independent files, written to a temporary
// name and renamed into place, so a reader sees a whole entry or none.
type Cache struct {
	dir string
	// Producer is written into every entry's key (with the ingest options
	// that shape facts): entries of another producer are rebuilt. The CLI
	// sets it to keyaudit's version, so that an upgrade whose decoder reads
	// events differently never reuses old facts.
	Producer string
}

// Open opens the cache in dir, creating it (mode 0700) if it does not
// exist or is empty. A directory with other files and no marker is
// refused (ErrNotCache), so that a typo never fills or cleans someone's
// folder. Several runs may open one new cache at once.
func Open(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("open cache %s: %w", dir, err)
	}
	if err := check(dir); err != nil {
		if !errors.Is(err, errEmpty) {
			return nil, err
		}
		if err := writeAtomic(dir, markerName, []byte(markerText)); err != nil {
			return nil, fmt.Errorf("open cache %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, entriesDir), dirPerm); err != nil {
		return nil, fmt.Errorf("open cache %s: %w", dir, err)
	}
	return &Cache{dir: dir}, nil
}

var errEmpty = errors.New("empty")

// testHookNoMarker, when set (by tests), is called by check between
// finding no marker and listing the folder: where another run's Open
// may rename its marker into place.
var testHookNoMarker func(dir string)

// check says whether dir is a cache (nil), empty (errEmpty) or neither.
func check(dir string) error {
	for retried := false; ; retried = true {
		b, err := os.ReadFile(filepath.Join(dir, markerName))
		if err == nil {
			if strings.HasPrefix(string(b), "keyaudit fact cache") {
				return nil
			}
			return fmt.Errorf("%s: %w: its %s file is not keyaudit's", dir, ErrNotCache, markerName)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("open cache %s: %w", dir, err)
		}
		if testHookNoMarker != nil {
			testHookNoMarker(dir)
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("open cache %s: %w", dir, err)
		}
		// Another run opening the same new cache may be writing its marker
		// (a temporary file): the folder is still empty.
		if !slices.ContainsFunc(ents, func(e fs.DirEntry) bool { return !strings.HasPrefix(e.Name(), tempPrefix) }) {
			return errEmpty
		}
		// Or it renamed its marker into place (and made entries/) since
		// the read above: the marker comes first (Open writes nothing
		// else before it), so read it again.
		if !retried && slices.ContainsFunc(ents, func(e fs.DirEntry) bool { return e.Name() == markerName }) {
			continue
		}
		return fmt.Errorf("%s: %w: no %s file, and the folder is not empty", dir, ErrNotCache, markerName)
	}
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// entryPath is where the entry of an input file path lives: one slot per
// path (a changed file replaces its entry).
func (c *Cache) entryPath(path string) string {
	return filepath.Join(c.dir, entriesDir, fmt.Sprintf("%016x%s", xxhash.Sum64String(path), entryExt))
}

// writeAtomic writes name in dir through a temporary file (0600) and a
// rename. It does not fsync: a torn entry after a crash fails its
// checksum and is rebuilt.
func writeAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, filePerm); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Info describes a cache directory.
type Info struct {
	Entries    int                    // entries that read back whole
	Bad        int                    // entries that are corrupt, foreign or of another version
	Bytes      int64                  // of every file in the directory
	Events     int64                  // events used from the entries' files (before cross-file dedup)
	Rows       [facts.NumTables]int64 // fact rows held per table
	Oldest     time.Time              // oldest modification time of an input file (zero: none)
	Newest     time.Time              // newest one
	InputBytes int64                  // size of the input files
	Snapshots  int                    // snapshots (the folded facts of one run's files)
	SnapBytes  int64                  // their bytes
}

// ReadInfo reads every entry's head in dir (a keyaudit cache).
func ReadInfo(dir string) (*Info, error) {
	if err := check(dir); err != nil && !errors.Is(err, errEmpty) {
		return nil, err
	}
	info := &Info{}
	err := eachFile(dir, func(path string, fi fs.FileInfo) {
		info.Bytes += fi.Size()
		if filepath.Ext(path) == snapExt && !strings.HasPrefix(filepath.Base(path), tempPrefix) {
			info.Snapshots++
			info.SnapBytes += fi.Size()
			return
		}
		if filepath.Ext(path) != entryExt {
			return
		}
		m, err := readMetaFile(path)
		if err != nil {
			info.Bad++
			return
		}
		info.Entries++
		for t := range m.Rows {
			info.Rows[t] += m.Rows[t]
		}
		for _, c := range m.Stats {
			info.Events += c.Used
		}
		info.InputBytes += m.Key.Size
		mt := time.Unix(0, m.Key.MtimeNS).UTC()
		if info.Oldest.IsZero() || mt.Before(info.Oldest) {
			info.Oldest = mt
		}
		if mt.After(info.Newest) {
			info.Newest = mt
		}
	})
	return info, err
}

func readMetaFile(path string) (*meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readMeta(f)
}

func eachFile(dir string, fn func(path string, fi fs.FileInfo)) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			fn(path, fi)
		}
		return nil
	})
}

// Prune removes from the cache in dir the entries of files that a run
// over paths would not read (deleted, renamed or no longer given), those
// that do not read back whole, the snapshots holding any such file, and
// leftover temporary files. It returns
// the number of files removed.
func Prune(ctx context.Context, dir string, paths []string) (int, error) {
	if err := check(dir); err != nil {
		return 0, err
	}
	files, _ := ingest.Walk(ctx, paths)
	keep := map[string]bool{}
	for _, f := range files {
		keep[f] = true
	}
	n := 0
	var errs []error
	err := eachFile(filepath.Join(dir, entriesDir), func(path string, fi fs.FileInfo) {
		drop := strings.HasPrefix(filepath.Base(path), tempPrefix)
		if !drop {
			m, err := readMetaFile(path)
			drop = err != nil || !keep[m.Key.Path]
		}
		if drop {
			if err := os.Remove(path); err != nil {
				errs = append(errs, err)
				return
			}
			n++
		}
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	// A snapshot is dropped with any of its members (the next run over
	// its paths writes a new one).
	serr := eachFile(filepath.Join(dir, snapDir), func(path string, fi fs.FileInfo) {
		drop := strings.HasPrefix(filepath.Base(path), tempPrefix)
		if !drop {
			s, err := openSnapshot(path)
			drop = err != nil
			if err == nil {
				drop = slices.ContainsFunc(s.m.Members, func(k Key) bool { return !keep[k.Path] })
				s.Close()
			}
		}
		if drop {
			if err := os.Remove(path); err != nil {
				errs = append(errs, err)
				return
			}
			n++
		}
	})
	if serr != nil && !errors.Is(serr, fs.ErrNotExist) {
		errs = append(errs, serr)
	}
	if n > 0 {
		// The next run rebuilds the index from the entries that are left.
		if rerr := os.Remove(filepath.Join(dir, indexName)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			errs = append(errs, rerr)
		}
	}
	return n, errors.Join(append(errs, err)...)
}

// Clean removes the cache in dir: its entries, its marker and the
// directory itself. A directory that is not a keyaudit cache is refused
// (ErrNotCache) and left as it is.
func Clean(dir string) error {
	if err := check(dir); err != nil {
		if errors.Is(err, errEmpty) {
			return fmt.Errorf("%s: %w (empty)", dir, ErrNotCache)
		}
		return err
	}
	for _, sub := range []string{entriesDir, snapDir} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return fmt.Errorf("clean cache %s: %w", dir, err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("clean cache %s: %w", dir, err)
	}
	for _, e := range ents {
		if n := e.Name(); n != markerName && n != indexName && !strings.HasPrefix(n, tempPrefix) {
			return fmt.Errorf("clean cache %s: it holds %s, which keyaudit did not write: left in place", dir, n)
		}
	}
	for _, e := range ents {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("clean cache %s: %w", dir, err)
		}
	}
	if err := os.Remove(dir); err != nil {
		return fmt.Errorf("clean cache %s: %w", dir, err)
	}
	return nil
}
