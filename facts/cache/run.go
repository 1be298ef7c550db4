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

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// Stats says what a Run took from the cache.
type Stats struct {
	// Cached counts, per kind, the files and the records (Counts.Records)
	// of the Result that were served from the cache rather than parsed.
	Cached map[ingest.Kind]*Cached
	Parsed int // files parsed (misses, credential reports, hashed files)
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
	path  string
	res   *ingest.Result
	ids   []uint64
	entry string     // entry file to deliver facts from; "" when set holds them
	off   int64      // of the facts part in entry
	key   Key        // the key the entry was checked against
	set   *facts.Set // the file's facts when not from an entry
	hit   bool
	excl  []uint64 // phase 2: fingerprints met earlier in the walk
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

	// Phase 1: every file's own Result and fingerprints, from its entry
	// or by parsing it alone (and storing the entry).
	err := parallel(ctx, opts, workers, files, func(fr *ingest.FileReader, f *file) error {
		hashed := opts.HashFiles != nil && opts.HashFiles(f.path)
		k, kerr := fileKey(f.path, okey)
		ep := c.entryPath(f.path)
		if kerr == nil && !hashed {
			m, off, err := loadMeta(ep, k)
			switch {
			case err == nil:
				f.res, f.ids, f.entry, f.off, f.key, f.hit = m.result(), m.ids, ep, off, k, true
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
		if debugParsed != nil {
			debugParsed(f.path)
		}
		mu.Unlock()
		if kerr != nil || len(res.Reports) > 0 || len(res.KeyIDs) > 0 {
			return nil // unreadable now (Run reports it), or a credential file: never stored
		}
		if k2, err := fileKey(f.path, okey); err != nil || k2 != k {
			return nil // changed while read: the next run reads it again
		}
		stored := *res
		stored.FileHashes = nil
		data, err := encode(opts.Mem, metaOf(k, &stored, ids, set), set)
		if err == nil {
			err = writeAtomic(filepath.Dir(ep), filepath.Base(ep), data)
		}
		if err != nil {
			problem("cache entry for %s not written: %v", f.path, err)
			return nil
		}
		mu.Lock()
		st.Stored++
		mu.Unlock()
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
		f.res, f.set, f.entry, f.hit = res, set, "", false
		return nil
	})
	if err != nil {
		release(files)
		return nil, st, err
	}

	// Deliver, in walk order.
	parts := []*ingest.Result{walk}
	for i, f := range files {
		if err := ctx.Err(); err != nil {
			release(files[i:])
			return nil, st, err
		}
		if f.entry != "" {
			if err := deliverEntry(opts, f, sinks); err != nil {
				var se sinkError
				if errors.As(err, &se) {
					release(files[i:])
					return nil, st, se.err
				}
				// The entry went bad since phase 1 (or another run replaced
				// it for a changed file): read the file again.
				if !errors.Is(err, errStale) {
					problem("cache entry %s for %s: %v: rebuilt", filepath.Base(f.entry), f.path, err)
					os.Remove(f.entry)
				}
				fr, ferr := ingest.NewFileReader(opts)
				if ferr != nil {
					release(files[i:])
					return nil, st, ferr
				}
				set := &facts.Set{}
				res, _, rerr := readFile(ctx, fr, opts, f.path, f.excl, set)
				fr.Close()
				if rerr != nil {
					set.Release()
					release(files[i:])
					return nil, st, rerr
				}
				f.res, f.set, f.hit = res, set, false
			}
		}
		if f.set != nil {
			err := f.set.Replay(sinks...)
			f.set.Release()
			f.set = nil
			if err != nil {
				release(files[i+1:])
				return nil, st, err
			}
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
	return ingest.Merge(parts...), st, nil
}

type sinkError struct{ err error }

func (e sinkError) Error() string { return e.err.Error() }

var debugParsed func(string)

var errStale = errors.New("stale entry")

// loadMeta reads the head of the entry at ep and checks it is for key k.
func loadMeta(ep string, k Key) (*meta, int64, error) {
	f, err := os.Open(ep)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	m, off, err := readMeta(f)
	if err != nil {
		return nil, 0, err
	}
	if m.Key != k {
		return nil, 0, errStale
	}
	if err := checkFacts(f, off); err != nil {
		return nil, 0, err
	}
	return m, off, nil
}

// deliverEntry hands the facts of f's entry to sinks; the entry must
// still be for f.key. A sink's error comes back as a sinkError.
func deliverEntry(opts ingest.Options, f *file, sinks []facts.Sink) error {
	e, err := os.Open(f.entry)
	if err != nil {
		return err
	}
	defer e.Close()
	m, off, err := readMeta(e)
	if err != nil {
		return err
	}
	if m.Key != f.key {
		// Rewritten by another run for the same file content: the facts
		// are the same, but the offset may differ.
		return errStale
	}
	return readFacts(opts.Mem, e, off, wrapSinks(sinks))
}

type errSink struct{ s facts.Sink }

func (w errSink) Facts(t facts.Table, rec arrow.Record) error {
	if err := w.s.Facts(t, rec); err != nil {
		return sinkError{err}
	}
	return nil
}

func wrapSinks(sinks []facts.Sink) []facts.Sink {
	out := make([]facts.Sink, len(sinks))
	for i, s := range sinks {
		out[i] = errSink{s}
	}
	return out
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
