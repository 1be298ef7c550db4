package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// testNoSnapshots turns snapshots off, for tests of the entries alone.
var testNoSnapshots bool

// runEnv is what Run shares with useSnapshot.
type runEnv struct {
	c       *Cache
	opts    ingest.Options
	okey    string
	workers int
	edir    string
	st      *Stats
	mu      *sync.Mutex // guards st
	problem func(format string, args ...any)
	store   func(f *file, k Key, res *ingest.Result, ids []uint64, set *facts.Set) *meta
	sinks   []facts.Sink
	sname   string
	paths   []string
}

// snapshotable marks the files Options.HashFiles names (always read) and
// reports whether a snapshot may stand for files of this run: none of them
// is hashed, and no path is walked twice.
func snapshotable(files []*file, opts ingest.Options) bool {
	ok := !testNoSnapshots
	seen := make(map[string]struct{}, len(files))
	for _, f := range files {
		f.hashed = opts.HashFiles != nil && opts.HashFiles(f.path)
		if _, dup := seen[f.path]; dup || f.hashed {
			ok = false
		}
		seen[f.path] = struct{}{}
	}
	return ok
}

// useSnapshot runs with snapshot s when it stands for its members: every
// member is among files with the key it had, the snapshot reads back
// whole, and no other file that comes before a member in walk order holds
// an eventID of that member (the first copy would then be another file's:
// the run goes on from the entries). The other files are served from
// their entries, or parsed and stored, before anything is delivered; an
// other file's copies of the members' eventIDs, or of an earlier other
// file's, are excluded (it is read again without them, Stats.Involved).
// Then the snapshot and those files are delivered, and a new snapshot is
// written when they hold more than 1/snapRefresh of its rows.
//
// used is false when the snapshot does not stand for the members; the
// files' fields are then to be reset by the caller, and nothing has been
// delivered. An error (ctx, a sink) ends the run.
func useSnapshot(ctx context.Context, e runEnv, s *snapshot, files []*file, walk *ingest.Result) (res *ingest.Result, used bool, err error) {
	if s.m.Options != e.okey {
		return nil, false, nil
	}
	each(e.workers, files, func(f *file) {
		if k, err := fileKey(f.path, e.okey); err == nil {
			f.key, f.keyed = k, true
		}
	})
	member := make(map[string]Key, len(s.m.Members))
	for _, k := range s.m.Members {
		member[k.Path] = k
	}
	var others []*file
	matched := 0
	for _, f := range files {
		k, ok := member[f.path]
		if !ok {
			others = append(others, f)
			continue
		}
		if !f.keyed || f.key != k {
			return nil, false, nil // a member changed
		}
		matched++
	}
	if matched != len(s.m.Members) {
		return nil, false, nil // a member is gone
	}
	if err := s.check(e.opts.Mem); err != nil {
		e.problem("cache snapshot %s: %v: rebuilt", e.sname, err)
		os.Remove(s.path)
		return nil, false, nil
	}
	defer func() {
		if !used || err != nil {
			release(others)
		}
	}()

	// The other files: from their entries, or parsed (and stored) now. A
	// file whose entry cannot be stored would be held until delivery,
	// unbounded: the run goes on from the entries instead (credential
	// files, which are never stored, are small and held).
	var (
		mu       sync.Mutex
		firstErr error
		noStore  bool
		readers  []*ingest.FileReader
	)
	defer func() {
		for _, fr := range readers {
			fr.Close()
		}
	}()
	ropts := e.opts
	ropts.Workers = 1
	getReader := func() (*ingest.FileReader, error) {
		mu.Lock()
		defer mu.Unlock()
		if n := len(readers); n > 0 {
			fr := readers[n-1]
			readers = readers[:n-1]
			return fr, nil
		}
		return ingest.NewFileReader(ropts)
	}
	putReader := func(fr *ingest.FileReader) {
		mu.Lock()
		readers = append(readers, fr)
		mu.Unlock()
	}
	each(e.workers, others, func(f *file) {
		if f.keyed {
			ep := e.c.entryPath(f.path)
			m, err := loadMeta(ep, f.key)
			switch {
			case err == nil:
				f.res, f.ids, f.meta, f.hit = m.result(), m.ids, m, true
				return
			case errors.Is(err, errStale) || errors.Is(err, os.ErrNotExist):
			default:
				e.problem("cache entry %s for %s: %v: rebuilt", filepath.Base(ep), f.path, err)
			}
		}
		fr, err := getReader()
		if err == nil {
			set := &facts.Set{}
			var res *ingest.Result
			var ids []uint64
			res, ids, err = readFile(ctx, fr, e.opts, f.path, nil, set)
			putReader(fr)
			if err == nil {
				e.mu.Lock()
				e.st.Parsed++
				e.mu.Unlock()
				f.res, f.ids = res, ids
				if f.keyed {
					f.meta = e.store(f, f.key, res, ids, set)
				}
				switch {
				case f.meta != nil:
					set.Release()
				case len(res.Reports) > 0 || len(res.KeyIDs) > 0 || !f.keyed:
					f.set = set
				default:
					set.Release()
					mu.Lock()
					noStore = true
					mu.Unlock()
				}
				return
			}
			set.Release()
		}
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	})
	if firstErr != nil {
		return nil, true, firstErr
	}
	if noStore {
		return nil, false, nil
	}
	// eventIDs met twice count once, for the first copy in walk order. A
	// file's copies of what an earlier one holds are excluded (it is read
	// again without them); one that comes before the member holding its
	// copy would take the event from that member: not for a snapshot.
	if len(others) > 0 {
		if err := s.loadIDs(); err != nil {
			e.problem("cache snapshot %s: fingerprints: %v: rebuilt", e.sname, err)
			os.Remove(s.path)
			return nil, false, nil
		}
	}
	var n int
	for _, f := range others {
		n += len(f.ids)
	}
	seen := newFPSet(n)
	first := map[uint64]int{} // a member's fingerprint: where the first other file holding it is
	pos := make(map[string]int, len(files))
	for i, f := range files {
		pos[f.path] = i
	}
	for _, f := range others {
		for _, h := range f.ids {
			switch {
			case s.has(h):
				if _, ok := first[h]; !ok {
					first[h] = pos[f.path]
				}
				f.excl = append(f.excl, h)
			case !seen.add(h):
				f.excl = append(f.excl, h)
			}
		}
	}
	var byFile [][]uint64 // the members' fingerprints, when read
	if len(first) > 0 {
		var err error
		if byFile, err = s.memberIDs(); err != nil {
			e.problem("cache snapshot %s: fingerprints: %v: rebuilt", e.sname, err)
			os.Remove(s.path)
			return nil, false, nil
		}
		// The copy of a member is the first in walk order among members
		// (the others had it excluded when the snapshot was made).
		winner := make(map[uint64]int, len(first))
		for i, ids := range byFile {
			at := pos[s.m.Members[i].Path]
			for _, h := range ids {
				if _, ok := first[h]; ok {
					if w, seen := winner[h]; !seen || at < w {
						winner[h] = at
					}
				}
			}
		}
		for h, p := range first {
			if w, ok := winner[h]; !ok || p < w {
				return nil, false, nil // a new file takes an event from a member
			}
		}
	}

	// Deliver.
	var sb *snapBuilder
	var otherRows int64
	for _, f := range others {
		if f.meta != nil {
			for _, r := range f.meta.Rows {
				otherRows += r
			}
		}
	}
	if otherRows*snapRefresh > s.rows() {
		if sb, err = newSnapBuilder(e.opts.Mem, e.c.dir, e.sname, e.okey, e.paths, e.sinks); err != nil {
			e.problem("cache snapshot %s not written: %v", e.sname, err)
			sb = nil
		}
	}
	defer func() {
		if sb != nil {
			sb.abort()
		}
	}()
	// A member's facts go through the new snapshot's fold, which hands
	// the folded rows to the sinks too.
	with := func(member bool) []facts.Sink {
		if sb == nil || !member {
			return e.sinks
		}
		return []facts.Sink{sb}
	}
	used = true
	if err := s.replay(ctx, e.opts.Mem, with(true)...); err != nil {
		return nil, true, err
	}
	sres := s.m.Result.result()
	if sb != nil {
		if byFile == nil {
			if byFile, err = s.memberIDs(); err != nil {
				// Read and checked whole before: changed under the run.
				return nil, true, fmt.Errorf("cache snapshot %s: fingerprints: %w", e.sname, err)
			}
		}
		sb.addSnapshot(sres, s, byFile)
	}
	cached := func(r *ingest.Result) {
		for k, cnt := range r.Stats {
			if cnt.Files == 0 && cnt.Records == 0 {
				continue
			}
			cc := e.st.Cached[k]
			if cc == nil {
				cc = &Cached{}
				e.st.Cached[k] = cc
			}
			cc.Files += cnt.Files
			cc.Records += cnt.Records
		}
	}
	cached(sres)
	parts := []*ingest.Result{walk, sres}
	var fr *ingest.FileReader
	defer func() {
		if fr != nil {
			fr.Close()
		}
	}()
	for _, f := range others {
		if err := ctx.Err(); err != nil {
			return nil, true, err
		}
		if len(f.excl) > 0 {
			// Read again without the events of earlier files.
			if f.set != nil {
				f.set.Release()
				f.set = nil
			}
			if fr == nil {
				if fr, err = ingest.NewFileReader(ropts); err != nil {
					return nil, true, err
				}
			}
			set := &facts.Set{}
			res, _, rerr := readFile(ctx, fr, e.opts, f.path, f.excl, set)
			if rerr != nil {
				set.Release()
				return nil, true, rerr
			}
			f.res, f.set, f.hit = res, set, false
			e.st.Involved++
		}
		if f.set == nil {
			set := &facts.Set{}
			if err := readEntry(e.opts.Mem, e.edir, f.meta.loc, set); err != nil {
				// Gone bad since it was planned: parse the file again.
				set.Release()
				if !errors.Is(err, os.ErrNotExist) {
					e.problem("cache entry %s for %s: %v: rebuilt", f.meta.loc.Entry, f.path, err)
				}
				if fr == nil {
					if fr, err = ingest.NewFileReader(ropts); err != nil {
						return nil, true, err
					}
				}
				res, ids, rerr := readFile(ctx, fr, e.opts, f.path, nil, set)
				if rerr != nil {
					set.Release()
					return nil, true, rerr
				}
				e.st.Parsed++
				f.res, f.ids, f.hit = res, ids, false
				f.meta = e.store(f, f.key, res, ids, set)
			}
			f.set = set
		}
		err := f.set.Replay(with(f.meta != nil)...)
		if sb != nil && f.meta != nil {
			sb.add(f.res, f.ids, f.key)
		}
		f.set.Release()
		f.set = nil
		if err != nil {
			return nil, true, err
		}
		if f.hit {
			cached(f.res)
		}
		parts = append(parts, f.res)
	}
	if err := ctx.Err(); err != nil {
		return nil, true, err
	}
	e.st.Snapshot = true
	if sb != nil {
		werr, err := sb.finish(ctx)
		sb = nil
		switch {
		case err != nil:
			return nil, true, err
		case werr != nil:
			e.problem("cache snapshot %s not written: %v", e.sname, werr)
		default:
			e.st.SnapshotWritten = true
		}
	}
	return ingest.Merge(parts...), true, nil
}
