package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// Stats says what a Run took from the cache.
type Stats struct {
	// Cached counts, per kind, the files and the records (Counts.Records)
	// of the Result that were served from the cache rather than parsed.
	Cached map[ingest.Kind]*Cached
	Parsed int // files parsed (misses, entries that went bad, credential reports, hashed files)
	Stored int // entries written
	// Involved counts the files re-read because some of their eventIDs
	// occur in a file earlier in the walk (the first copy wins, as in a
	// run without the cache).
	Involved int
	// Problems lists, once each, the entries that were corrupt, foreign or
	// of another version (they were rebuilt) and the entries that could
	// not be written. None of them changes the results.
	Problems []string
}

// Cached is what was served from the cache for one kind.
type Cached struct {
	Files   int64 `json:"files"`
	Records int64 `json:"records"`
}

// file is one input file of a Run and what phase 1 found for it.
type file struct {
	path   string
	res    *ingest.Result
	ids    []uint64
	meta   *meta      // the file's entry (head and loc), nil when it has none
	set    *facts.Set // the file's facts when not from its entry
	key    Key        // the key the entry was checked against
	hit    bool       // served from the cache
	hashed bool       // Options.HashFiles names it: always read
	excl   []uint64   // phase 2: fingerprints met earlier in the walk
}

func optionsKey(c *Cache, o ingest.Options) string {
	return fmt.Sprintf("producer=%q nodedup=%v maxfile=%d maxrecord=%d", c.Producer, o.NoDedup, o.MaxFileBytes, o.MaxRecordBytes)
}

// Run reads paths as ingest.Run does and hands the facts of their
// CloudTrail events to sinks, as a facts.Aggregator over ingest.Run's
// events would, with every file whose entry in c is still valid served
// from c instead of parsed. The fact rows differ in grouping (one group of
// rows per file; principals and event_accounts rows repeat) but fold to
// the same values (docs/FACTS.md rule 4), and the Result equals
// ingest.Run's: the same Stats, Errors (sorted the same way), Skipped,
// Reports, Superseded and KeyIDs; FileHashes as well, since a file that
// Options.HashFiles names is always read (a cached hash is never trusted).
// eventIDs in several files are counted, and their events delivered, once:
// for the copy met first in walk order, as a one-worker ingest.Run
// delivers them (a Run with more workers counts the same, and delivers the
// same events when the copies are identical).
//
// Credential reports and credentials files are parsed every time and not
// stored. A run that reads standard input ("-") does not use the cache.
// Options.Progress is not called.
//
// Sinks are called from one goroutine, in walk order of the files; a sink
// does not own a record and must Retain it to keep it. The error is
// non-nil only when the run could not finish (ctx, a sink, Options.Mem
// nil); problems with the cache itself never fail a Run (Stats.Problems).
func Run(ctx context.Context, paths []string, opts ingest.Options, c *Cache, sinks ...facts.Sink) (*ingest.Result, Stats, error) {
	st := Stats{Cached: map[ingest.Kind]*Cached{}}
	if opts.Mem == nil {
		return nil, st, ingest.ErrNoAllocator
	}
	if slices.Contains(paths, "-") {
		res, err := uncached(ctx, paths, opts, sinks)
		return res, st, err
	}
	names, walk := ingest.Walk(ctx, paths)
	files := make([]*file, len(names))
	for i, n := range names {
		files[i] = &file{path: n}
	}
	okey := optionsKey(c, opts)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex // guards st
	problem := func(format string, args ...any) {
		mu.Lock()
		st.Problems = append(st.Problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	idx, ierr := readIndex(c.dir)
	if ierr != nil {
		problem("cache index %s: %v: rebuilt", indexName, ierr)
	}
	edir := filepath.Join(c.dir, entriesDir)

	// store writes the entry of a file read alone and returns its meta
	// (nil when not stored).
	store := func(f *file, k Key, res *ingest.Result, ids []uint64, set *facts.Set) *meta {
		if len(res.Reports) > 0 || len(res.KeyIDs) > 0 {
			return nil // a credential file: never stored
		}
		if k2, err := fileKey(f.path, okey); err != nil || k2 != k {
			return nil // changed while read: the next run reads it again
		}
		stored := *res
		stored.FileHashes = nil
		m := metaOf(k, &stored, ids, set)
		data, l, err := encode(m, set)
		ep := c.entryPath(f.path)
		if err == nil {
			err = writeAtomic(edir, filepath.Base(ep), data)
		}
		if err != nil {
			problem("cache entry for %s not written: %v", f.path, err)
			return nil
		}
		l.Entry = filepath.Base(ep)
		m.loc = l
		mu.Lock()
		st.Stored++
		mu.Unlock()
		return m
	}

	// Phase 1: every file's own Result and fingerprints, from the index,
	// its entry's head, or by parsing it alone (and storing the entry).
	err := parallel(ctx, opts, workers, files, func(fr *ingest.FileReader, f *file) error {
		f.hashed = opts.HashFiles != nil && opts.HashFiles(f.path)
		k, kerr := fileKey(f.path, okey)
		if kerr == nil && !f.hashed {
			f.key = k
			if m := idx[f.path]; m != nil && m.Key == k {
				f.res, f.ids, f.meta, f.hit = m.result(), m.ids, m, true
				return nil
			}
			ep := c.entryPath(f.path)
			m, err := loadMeta(ep, k)
			switch {
			case err == nil:
				f.res, f.ids, f.meta, f.hit = m.result(), m.ids, m, true
				return nil
			case errors.Is(err, errStale) || errors.Is(err, os.ErrNotExist):
			default:
				problem("cache entry %s for %s: %v: rebuilt", filepath.Base(ep), f.path, err)
			}
		}
		set := &facts.Set{}
		res, ids, err := readFile(ctx, fr, opts, f.path, nil, set)
		if err != nil {
			set.Release()
			return err
		}
		f.res, f.ids, f.set = res, ids, set
		mu.Lock()
		st.Parsed++
		mu.Unlock()
		if kerr == nil && !f.hashed {
			f.meta = store(f, k, res, ids, set)
		}
		return nil
	})
	if err != nil {
		release(files)
		return nil, st, err
	}

	// Phase 2, in walk order: the fingerprints met in an earlier file.
	var n int
	for _, f := range files {
		n += len(f.ids)
	}
	seen := newFPSet(n)
	var involved []*file
	for _, f := range files {
		for _, h := range f.ids {
			if !seen.add(h) {
				f.excl = append(f.excl, h)
			}
		}
		if len(f.excl) > 0 {
			involved = append(involved, f)
		}
	}
	seen = nil
	// Involved files are read again without the events of earlier files.
	st.Involved = len(involved)
	err = parallel(ctx, opts, workers, involved, func(fr *ingest.FileReader, f *file) error {
		set := &facts.Set{}
		res, _, err := readFile(ctx, fr, opts, f.path, f.excl, set)
		if err != nil {
			set.Release()
			return err
		}
		if f.set != nil {
			f.set.Release()
		}
		f.res, f.set, f.hit = res, set, false
		return nil
	})
	if err != nil {
		release(files)
		return nil, st, err
	}

	// Deliver, in walk order.
	parts := []*ingest.Result{walk}
	var fr *ingest.FileReader // for entries that went bad since phase 1
	defer func() {
		if fr != nil {
			fr.Close()
		}
	}()
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			release(files[i:])
			return nil, st, err
		}
		if f.set == nil {
			set := &facts.Set{}
			err := readEntry(opts.Mem, edir, f.meta.loc, set)
			if err != nil {
				// Not what the index or the head said: another run may have
				// rewritten the entry (then its own head says where its parts
				// are), or it went bad.
				set.Release()
				ep := c.entryPath(f.path)
				m, herr := loadMeta(ep, f.key)
				switch {
				case herr != nil:
					err = herr
				case m.loc != f.meta.loc:
					f.meta = m
					err = readEntry(opts.Mem, edir, m.loc, set)
				}
				if err != nil {
					set.Release()
					if !errors.Is(err, errStale) && !errors.Is(err, os.ErrNotExist) {
						problem("cache entry %s for %s: %v: rebuilt", filepath.Base(ep), f.path, err)
						os.Remove(ep)
					}
					if fr == nil {
						if fr, err = ingest.NewFileReader(opts); err != nil {
							release(files[i:])
							return nil, st, err
						}
					}
					res, ids, rerr := readFile(ctx, fr, opts, f.path, nil, set)
					st.Parsed++
					if rerr == nil {
						f.meta = store(f, f.key, res, ids, set)
						if len(f.excl) > 0 {
							set.Release()
							res, _, rerr = readFile(ctx, fr, opts, f.path, f.excl, set)
						}
					}
					if rerr != nil {
						set.Release()
						release(files[i:])
						return nil, st, rerr
					}
					f.res, f.hit = res, false
				}
			}
			f.set = set
		}
		err := f.set.Replay(sinks...)
		f.set.Release()
		f.set = nil
		if err != nil {
			release(files[i+1:])
			return nil, st, err
		}
		if f.hit {
			for k, cnt := range f.res.Stats {
				if cnt.Files == 0 && cnt.Records == 0 {
					continue
				}
				cc := st.Cached[k]
				if cc == nil {
					cc = &Cached{}
					st.Cached[k] = cc
				}
				cc.Files += cnt.Files
				cc.Records += cnt.Records
			}
		}
		parts = append(parts, f.res)
	}
	if err := updateIndex(c.dir, idx, ierr != nil, files); err != nil {
		problem("%v", err)
	}
	return ingest.Merge(parts...), st, nil
}

// updateIndex writes the index again when this run's files changed it:
// their entries as found or stored now, and the index's records of the
// files this run did not read (another run's inputs, or hashed files).
func updateIndex(dir string, idx map[string]*meta, bad bool, files []*file) error {
	walked := make(map[string]*meta, len(files))
	dirty := bad
	for _, f := range files {
		if f.hashed {
			continue
		}
		walked[f.path] = f.meta
		if idx[f.path] != f.meta {
			dirty = true
		}
	}
	if !dirty {
		return nil
	}
	var metas []*meta
	for _, f := range files {
		if m := walked[f.path]; m != nil {
			metas = append(metas, m)
			walked[f.path] = nil // a path walked twice is in the index once
		}
	}
	for p, m := range idx {
		if _, ok := walked[p]; !ok {
			metas = append(metas, m)
		}
	}
	return writeIndex(dir, metas)
}

var errStale = errors.New("stale entry")

// loadMeta reads the head of the entry at ep and checks it is for key k.
func loadMeta(ep string, k Key) (*meta, error) {
	f, err := os.Open(ep)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := readMeta(f)
	if err != nil {
		return nil, err
	}
	if m.Key != k {
		return nil, errStale
	}
	return m, nil
}

// readFile parses path alone (excluding the fingerprints excl) into set
// through an Aggregator (unsorted: sorting costs more than parsing, and
// entries need not be byte-stable, only equal as fact multisets).
func readFile(ctx context.Context, fr *ingest.FileReader, opts ingest.Options, path string, excl []uint64, set *facts.Set) (*ingest.Result, []uint64, error) {
	agg := facts.NewAggregator(opts.Mem, facts.Options{MaxGroups: -1}, set)
	res, ids, err := fr.Read(ctx, path, excl, agg)
	if cerr := agg.Close(); err == nil {
		err = cerr
	}
	return res, ids, err
}

// parallel runs fn over files with n goroutines, each with its own
// FileReader; the first error stops it.
func parallel(ctx context.Context, opts ingest.Options, n int, files []*file, fn func(*ingest.FileReader, *file) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan *file)
	errs := make([]error, n)
	var wg sync.WaitGroup
	ropts := opts
	ropts.Workers = 1
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var fr *ingest.FileReader
			defer func() {
				if fr != nil {
					fr.Close()
				}
			}()
			for f := range next {
				if errs[i] != nil {
					continue
				}
				if fr == nil {
					var err error
					if fr, err = ingest.NewFileReader(ropts); err != nil {
						errs[i] = err
						cancel()
						continue
					}
				}
				if err := fn(fr, f); err != nil {
					errs[i] = err
					cancel()
				}
			}
		}()
	}
	for _, f := range files {
		if ctx.Err() != nil {
			break
		}
		next <- f
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

func release(files []*file) {
	for _, f := range files {
		if f.set != nil {
			f.set.Release()
			f.set = nil
		}
	}
}

// uncached is Run without the cache: ingest.Run into an Aggregator.
func uncached(ctx context.Context, paths []string, opts ingest.Options, sinks []facts.Sink) (*ingest.Result, error) {
	agg := facts.NewAggregator(opts.Mem, facts.Options{}, sinks...)
	res, err := ingest.Run(ctx, paths, opts, agg)
	if cerr := agg.Close(); err == nil {
		err = cerr
	}
	return res, err
}

// fpSet is a set of non-zero fingerprints: open addressing, linear probing.
type fpSet struct {
	slots []uint64
	mask  uint64
}

func newFPSet(n int) *fpSet {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &fpSet{slots: make([]uint64, size), mask: uint64(size - 1)}
}

// add inserts h and reports whether it was new.
func (s *fpSet) add(h uint64) bool {
	for i := (h * 0x9e3779b97f4a7c15) & s.mask; ; i = (i + 1) & s.mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			return true
		}
	}
}
