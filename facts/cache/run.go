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
	// Snapshot is true when the run delivered the snapshot of its paths
	// (snapshot.go) instead of its members' entries; SnapshotWritten when
	// it wrote one.
	Snapshot, SnapshotWritten bool
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
	keyed  bool       // key is set: the file's entry may be stored
	hit    bool       // served from the cache
	slot   int        // which of the pipeline's bounds the file holds (pipeline)
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

	// The snapshot of these paths, when every file it holds is unchanged
	// and no other file shares an eventID with it, stands for its members.
	sname := snapshotName(okey, paths)
	spath := filepath.Join(c.dir, snapDir, sname)
	snapable := snapshotable(files, opts)
	if snapable {
		s, err := openSnapshot(spath)
		switch {
		case err == nil:
			res, used, err := useSnapshot(ctx, runEnv{c: c, opts: opts, okey: okey, workers: workers, edir: edir,
				st: &st, mu: &mu, problem: problem, store: store, sinks: sinks, sname: sname, paths: paths}, s, files, walk)
			s.Close()
			if used || err != nil {
				return res, st, err
			}
			for i, f := range files {
				files[i] = &file{path: f.path, hashed: f.hashed}
			}
		case errors.Is(err, os.ErrNotExist):
		default:
			problem("cache snapshot %s: %v: rebuilt", sname, err)
			os.Remove(spath)
		}
	}
	idx, ierr := readIndex(c.dir)
	if ierr != nil {
		problem("cache index %s: %v: rebuilt", indexName, ierr)
	}

	// Which files the cache serves: those whose index record or entry
	// head is for the file's key now. Cheap (a stat and two block reads
	// per file), so done for every file first: the pipeline then knows
	// which files it must parse.
	classify := func(f *file) {
		k, kerr := fileKey(f.path, okey)
		if kerr != nil || f.hashed {
			return
		}
		f.key, f.keyed = k, true
		if m := idx[f.path]; m != nil && m.Key == k {
			f.res, f.ids, f.meta, f.hit = m.result(), m.ids, m, true
			return
		}
		ep := c.entryPath(f.path)
		m, err := loadMeta(ep, k)
		switch {
		case err == nil:
			f.res, f.ids, f.meta, f.hit = m.result(), m.ids, m, true
		case errors.Is(err, errStale) || errors.Is(err, os.ErrNotExist):
		default:
			problem("cache entry %s for %s: %v: rebuilt", filepath.Base(ep), f.path, err)
		}
	}
	each(workers, files, classify)
	// Phase 1: a file the cache does not serve is parsed alone, for its
	// own Result and fingerprints, and its entry is stored.
	phase1 := func(fr *ingest.FileReader, f *file) error {
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
		if f.keyed {
			f.meta = store(f, f.key, res, ids, set)
		}
		return nil
	}
	// Phase 2: a file with fingerprints met in an earlier file (f.excl) is
	// read again without those events.
	phase2 := func(fr *ingest.FileReader, f *file) error {
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
	}
	// In walk order, a file's exclusions are known once every earlier
	// file has had phase 1; its fingerprints go into seen as it is met.
	// seen is sized from the index, whose records hold the fingerprints of
	// most files of a periodic run, so a warm run's set never grows.
	var known int
	for _, f := range files {
		if m := idx[f.path]; m != nil {
			known += len(m.ids)
		}
	}
	seen := newFPSet(known)
	exclude := func(f *file) bool {
		for _, h := range f.ids {
			if !seen.add(h) {
				f.excl = append(f.excl, h)
			}
		}
		if len(f.excl) > 0 {
			mu.Lock()
			st.Involved++
			mu.Unlock()
			return true
		}
		return false
	}

	// A new snapshot folds the facts of every file with an entry as they
	// are delivered.
	var sb *snapBuilder
	if snapable {
		var err error
		if sb, err = newSnapBuilder(opts.Mem, c.dir, sname, okey, paths, sinks); err != nil {
			problem("cache snapshot %s not written: %v", sname, err)
			sb = nil
		}
	}
	defer func() {
		if sb != nil {
			sb.abort()
		}
	}()

	// Deliver, in walk order, as the files are ready.
	parts := []*ingest.Result{walk}
	var fr *ingest.FileReader // for entries that went bad since phase 1
	defer func() {
		if fr != nil {
			fr.Close()
		}
	}()
	err := pipeline(ctx, opts, workers, files, phase1, phase2, exclude, func() { seen = nil }, func(f *file) error {
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
							return err
						}
					}
					res, ids, rerr := readFile(ctx, fr, opts, f.path, nil, set)
					mu.Lock()
					st.Parsed++
					mu.Unlock()
					if rerr == nil {
						f.meta = store(f, f.key, res, ids, set)
						if len(f.excl) > 0 {
							set.Release()
							res, _, rerr = readFile(ctx, fr, opts, f.path, f.excl, set)
						}
					}
					if rerr != nil {
						set.Release()
						return rerr
					}
					f.res, f.hit = res, false
				}
			}
			f.set = set
		}
		var err error
		if sb != nil && f.meta != nil {
			err = f.set.Replay(sb) // folded, to the sinks too
			sb.add(f.res, f.ids, f.key)
		} else {
			err = f.set.Replay(sinks...)
		}
		f.set.Release()
		f.set = nil
		if err != nil {
			return err
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
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	if err := updateIndex(c.dir, idx, ierr != nil, files); err != nil {
		problem("%v", err)
	}
	if sb != nil {
		werr, err := sb.finish(ctx)
		sb = nil
		switch {
		case err != nil:
			return nil, st, err
		case werr != nil:
			problem("cache snapshot %s not written: %v", sname, werr)
		default:
			st.SnapshotWritten = true
		}
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

// pipelineLead bounds, per worker, the files that hold facts between
// their parsing and their delivery: parsed files (phase 1) and, as many
// again, files the cache serves that are read again (phase 2). It is what
// bounds the memory of a Run.
const pipelineLead = 8

const (
	noSlot    = iota
	parseSlot // a phase 1 file's
	againSlot // a served file's phase 2
)

// pipeline delivers files in walk order, on the calling goroutine, as
// they are ready. Files the cache does not serve (!f.hit) have phase1, on
// n goroutines (each with its own FileReader), at most pipelineLead*n
// ahead of delivery. exclude is called for each file in walk order once
// it and every earlier file have had phase 1 (a served file needs none),
// and excludeDone after the last; a file for which exclude returns true
// then has phase2 on a worker (before any new phase 1): served files at
// most pipelineLead*n at once. The first error stops the pipeline, and
// the sets of the files not delivered are released.
func pipeline(ctx context.Context, opts ingest.Options, n int, files []*file,
	phase1, phase2 func(*ingest.FileReader, *file) error, exclude func(*file) bool, excludeDone func(),
	deliver func(*file) error) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lead := pipelineLead * n
	p1done := make([]chan struct{}, len(files))
	ready := make([]chan struct{}, len(files))
	served := make([]bool, len(files)) // f.hit as the pipeline starts: phase 2 changes it
	for i, f := range files {
		p1done[i], ready[i] = make(chan struct{}), make(chan struct{})
		if served[i] = f.hit; served[i] {
			close(p1done[i])
		}
	}
	jobs := make(chan int)          // phase 1, from the feeder
	again := make(chan int, 2*lead) // phase 2: never blocks (both bounds together)
	slots := make(chan struct{}, lead)
	againSlots := make(chan struct{}, lead)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	acquire := func(sem chan struct{}) bool {
		select {
		case sem <- struct{}{}:
			return true
		case <-ctx.Done():
			return false
		}
	}
	wg.Add(1)
	go func() { // the feeder
		defer wg.Done()
		defer close(jobs)
		for i, f := range files {
			if served[i] {
				continue
			}
			if !acquire(slots) {
				return
			}
			f.slot = parseSlot
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Add(1)
	go func() { // the excluder
		defer wg.Done()
		for i, f := range files {
			select {
			case <-p1done[i]:
			case <-ctx.Done():
				return
			}
			if !exclude(f) {
				close(ready[i])
				continue
			}
			// A served file holds no slot yet. The files holding the
			// phase 2 bound are all earlier, and delivery reaches them (so
			// this cannot wait for ever): the file being delivered is never
			// waiting for a slot held by a later one.
			if f.slot == noSlot {
				if !acquire(againSlots) {
					return
				}
				f.slot = againSlot
			}
			again <- i
		}
		excludeDone()
	}()
	ropts := opts
	ropts.Workers = 1
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var fr *ingest.FileReader
			defer func() {
				if fr != nil {
					fr.Close()
				}
			}()
			in := jobs
			for {
				var i int
				two := true
				select {
				case i = <-again: // delivery waits for it: first
				default:
					var ok bool
					select {
					case i = <-again:
					case i, ok = <-in:
						if !ok {
							in = nil
							continue
						}
						two = false
					case <-ctx.Done():
						return
					}
				}
				if fr == nil {
					var err error
					if fr, err = ingest.NewFileReader(ropts); err != nil {
						fail(err)
						return
					}
				}
				if two {
					if err := phase2(fr, files[i]); err != nil {
						fail(err)
						return
					}
					close(ready[i])
				} else {
					if err := phase1(fr, files[i]); err != nil {
						fail(err)
						return
					}
					close(p1done[i])
				}
			}
		}()
	}
	delivered := 0
	for delivered < len(files) {
		select {
		case <-ready[delivered]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		f := files[delivered]
		err := deliver(f)
		switch f.slot {
		case parseSlot:
			<-slots
		case againSlot:
			<-againSlots
		}
		if err != nil {
			fail(err)
			break
		}
		delivered++
	}
	cancel()
	wg.Wait()
	release(files[delivered:])
	if firstErr != nil {
		return firstErr
	}
	if delivered < len(files) {
		return parent.Err()
	}
	return nil
}

// each calls fn for every file on n goroutines.
func each(n int, files []*file, fn func(*file)) {
	next := make(chan *file)
	var wg sync.WaitGroup
	for range min(n, len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				fn(f)
			}
		}()
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
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

// fpSet is a set of non-zero fingerprints: open addressing, linear
// probing, doubled when half full.
type fpSet struct {
	slots []uint64
	mask  uint64
	n     int
}

func newFPSet(n int) *fpSet {
	size := 1 << 12
	for size < 2*n {
		size *= 2
	}
	return &fpSet{slots: make([]uint64, size), mask: uint64(size - 1)}
}

// add inserts h and reports whether it was new.
func (s *fpSet) add(h uint64) bool {
	if 2*(s.n+1) > len(s.slots) {
		old := s.slots
		s.slots, s.mask = make([]uint64, 2*len(old)), uint64(2*len(old)-1)
		for _, v := range old {
			if v != 0 {
				s.put(v)
			}
		}
	}
	if s.put(h) {
		s.n++
		return true
	}
	return false
}

// put inserts h into a table with room and reports whether it was new.
func (s *fpSet) put(h uint64) bool {
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
