package ingest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
)

// DefaultDedupMemory is the RAM budget of the eventID set when
// Options.DedupMemory is 0.
const DefaultDedupMemory = 32 << 20

// idSet is the set of eventIDs seen so far, shared by all workers.
//
// It stores only the 64-bit xxhash of each eventID (its fingerprint),
// split by the top 6 bits into 64 shards, each behind its own mutex, so
// workers rarely contend. Two different eventIDs with the same 64-bit hash
// would be taken for duplicates: for 10 M events the chance of any such
// collision is about 3 in a million. Apart from that the set is exact.
//
// Each shard has a "hot" open-addressing table ([]uint64, linear probing,
// 0 marks an empty slot) that doubles when 13/16 full, up to budget/64
// bytes (budget = Options.DedupMemory). When the hot table of a shard is
// full at its cap, its fingerprints are sorted and written as a run to a
// temporary file (os.CreateTemp, unlinked at once where the OS allows, so
// nothing is left behind even if the process is killed) and the table is
// cleared. Runs of similar size are merged (LSM style: run sizes grow
// geometrically), so a shard has O(log n) runs. A lookup probes the hot
// table, then each run newest first; a run in memory is only a split-block
// Bloom filter (about 10 bits per fingerprint, 1 cache line per probe) and
// one fence key per 128 fingerprints, so a run is read (one pread of at most
// 1 KiB, usually from the page cache) only on a Bloom hit. New
// fingerprints go to the hot table only, so the runs are disjoint.
//
// Memory is therefore about min(10-20 bytes per distinct eventID, budget)
// plus ~1.3 bytes per spilled fingerprint (at most 13 MB for 10 M events);
// the budget has a floor of 64 slots per shard (32 KiB). The large tables
// are mapped outside the Go heap (allocOffHeap) so that they do not raise
// the garbage collector's heap goal. On disk a run takes 8 bytes per
// fingerprint, mostly in the page cache, and one open file. If a temporary
// file cannot be written, the shard keeps growing in memory instead (still
// exact). If a run cannot be read back, seen answers "not seen" and close
// reports the error.
//
// Each fingerprint is stored with the origin of the copy that counts as
// used (see origin): the copy met first in walk order, not the first to
// reach the set. When a copy from earlier in the walk arrives after a later
// one was used, the set keeps the earlier origin and records a swap, so the
// per-kind accounting (which kind's copy was used, which were duplicates)
// is the same whatever the workers' timing. The event delivered to the
// sinks stays the one that arrived first; copies of one eventID are the
// same event. With retract set (Options.WalkOrder), the earlier copy is
// delivered instead: seenAt answers "not seen" for it, and retract is told
// the origin of the later copy, whose row the sink must then not get.
//
// The zero idSet is ready to use with the default budget. close releases
// the files; the set must not be used after it.
type idSet struct {
	shards [idShards]idShard
	budget int64 // bytes for all hot tables; 0 = DefaultDedupMemory

	// swaps[k] counts copies of kind code k that became the used copy
	// (in) or stopped being it (out) after the fact.
	swaps [len(dedupKinds) + 1]struct{ in, out atomic.Int64 }

	// retract, when set, is called (under a shard's lock) with the origin
	// of a used copy that a copy earlier in the walk replaces, which is
	// then kept: see Options.WalkOrder.
	retract func(origin)

	errMu  sync.Mutex
	err    error // first read error, reported by close
	closed bool
}

// dedupKinds are the event kinds an origin can name, by code-1.
var dedupKinds = [...]Kind{KindCloudTrail, KindLookupEvents, KindJSONLines, KindJSONArray}

// origin places one copy of an event in the walk: the file's walk
// ordinal (28 bits), the record's index in the file (32 bits) and the
// kind code (4 bits), so that comparing origins compares walk positions.
// Larger ordinals or indexes saturate (past 268 M files or 4 G records per
// file, the order among those is no longer exact). With Options.WalkOrder
// the index is instead the row's number among the rows built from the file
// (0 for its first row): it orders the copies of one file as the record
// index does, and names the row to drop when the copy is retracted.
type origin uint64

// maxOrd is the largest file ordinal an origin holds exactly.
const maxOrd = 1<<28 - 1

func (o origin) ord() int64   { return int64(o >> 36) }
func (o origin) index() int64 { return int64(o>>4) & (1<<32 - 1) }

func makeOrigin(ord int64, index int, k Kind) origin {
	return fileOrigin(ord, k).at(index)
}

// fileOrigin is the origin of a file's records without their index: a
// worker computes it once per file, and at adds each record's index.
func fileOrigin(ord int64, k Kind) origin {
	ord = min(max(ord, 0), maxOrd)
	var code uint64
	for i, dk := range dedupKinds {
		if dk == k {
			code = uint64(i + 1)
		}
	}
	return origin(uint64(ord)<<36 | code)
}

// at is o (a fileOrigin) for the record at index.
func (o origin) at(index int) origin {
	idx := min(max(int64(index), 0), 1<<32-1)
	return o | origin(uint64(idx)<<4)
}

func (o origin) kindCode() int { return int(o & 15) }

// swapped records that the copy at newer (earlier in the walk) replaces
// the one at old as the used copy, and reports whether newer is a
// duplicate all the same: it is, but with retract set, whose decoder then
// counts it as used (old, counted as used by its decoder, becomes the
// duplicate).
func (s *idSet) swapped(old, newer origin) bool {
	s.swaps[old.kindCode()].out.Add(1)
	if s.retract != nil {
		s.retract(old)
		return false
	}
	s.swaps[newer.kindCode()].in.Add(1)
	return true
}

// applySwaps moves Used and Duplicate counts between kinds as the swaps
// say: a kind whose copy became the used one has one more Used and one
// fewer Duplicate, and the other way round.
func (s *idSet) applySwaps(stats map[Kind]*Counts) {
	for code := 1; code < len(s.swaps); code++ {
		in, out := s.swaps[code].in.Load(), s.swaps[code].out.Load()
		if in == out {
			continue
		}
		k := dedupKinds[code-1]
		c := stats[k]
		if c == nil {
			c = &Counts{}
			stats[k] = c
		}
		c.Used += in - out
		c.Duplicate -= in - out
	}
}

const idShards = 64

// idSlot is a fingerprint (0: empty) and the origin of its used copy.
type idSlot struct {
	h uint64
	o origin
}

// initialSlots is the size of a shard's first hot table (128 KiB).
const initialSlots = 16384

type idShard struct {
	mu     sync.Mutex
	slots  []idSlot
	slotsM []byte // the mapping of slots, see allocOffHeap
	n      int
	runs   []*idRun // oldest first
	noDisk bool     // spilling failed: grow in memory
	buf    []byte   // read buffer of lookups in runs
	_      [64]byte // keep shards on separate cache lines
}

// newIDSet returns a set whose hot tables use at most about budget bytes
// (0 = DefaultDedupMemory).
func newIDSet(budget int64) *idSet {
	return &idSet{budget: budget}
}

// capSlots is the largest size of a shard's hot table.
func (s *idSet) capSlots() int {
	b := s.budget
	if b <= 0 {
		b = DefaultDedupMemory
	}
	per := b / idShards / 16 // bytes of an idSlot
	n := 64
	for int64(n)*2 <= per {
		n *= 2
	}
	return n
}

func fingerprint(id []byte) uint64 {
	h := xxhash.Sum64(id)
	if h == 0 {
		h = 1
	}
	return h
}

// seen adds id and reports whether it was already there (all copies at
// origin 0: no swaps).
func (s *idSet) seen(id []byte) bool {
	return s.seenHash(fingerprint(id), 0)
}

// seenAt adds the copy of id at o and reports whether id was already
// there; the used copy is then the one earlier in the walk.
func (s *idSet) seenAt(id []byte, o origin) bool {
	return s.seenHash(fingerprint(id), o)
}

// seenHash is seenAt for a non-zero fingerprint.
func (s *idSet) seenHash(h uint64, o origin) bool {
	sh := &s.shards[h>>58]
	sh.mu.Lock()
	dup := sh.seen(s, h, o)
	sh.mu.Unlock()
	return dup
}

func (sh *idShard) seen(s *idSet, h uint64, o origin) bool {
	if i, ok := sh.hotFind(h); ok {
		if old := sh.slots[i].o; o < old {
			sh.slots[i].o = o
			return s.swapped(old, o)
		}
		return true
	}
	for i := len(sh.runs) - 1; i >= 0; i-- {
		r := sh.runs[i]
		pos, old, ok, err := r.find(h, &sh.buf)
		if err != nil {
			s.setErr(err)
			continue
		}
		if ok {
			if o < old {
				if err := r.setOrigin(pos, o); err != nil {
					s.setErr(err)
				} else {
					return s.swapped(old, o)
				}
			}
			return true
		}
	}
	if sh.n*16 >= len(sh.slots)*13 {
		if c := s.capSlots(); len(sh.slots) < c {
			sh.grow(c)
		} else if sh.noDisk || !sh.spill() {
			sh.grow(0)
		}
	}
	sh.hotAdd(idSlot{h, o})
	return false
}

// hotFind returns the slot of h in the hot table.
func (sh *idShard) hotFind(h uint64) (uint64, bool) {
	if len(sh.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(sh.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch sh.slots[i].h {
		case h:
			return i, true
		case 0:
			return 0, false
		}
	}
}

// hotAdd inserts e, whose fingerprint is known to be absent, into a table
// with room.
func (sh *idShard) hotAdd(e idSlot) {
	mask := uint64(len(sh.slots) - 1)
	i := e.h & mask
	for sh.slots[i].h != 0 {
		i = (i + 1) & mask
	}
	sh.slots[i] = e
	sh.n++
}

// grow doubles the hot table, to at most limit slots unless limit is 0.
func (sh *idShard) grow(limit int) {
	n := len(sh.slots) * 2
	if n == 0 {
		// The table is mapped, not allocated: its pages cost memory only
		// once touched, so starting large skips the rehashing of the first
		// doublings (about 3% of a large run's CPU) for little memory.
		n = initialSlots
	}
	if limit > 0 {
		n = min(n, limit)
	}
	old, oldM := sh.slots, sh.slotsM
	sh.slots, sh.slotsM = allocOffHeap[idSlot](n)
	defer freeOffHeap(oldM)
	mask := uint64(n - 1)
	for _, e := range old {
		if e.h == 0 {
			continue
		}
		i := e.h & mask
		for sh.slots[i].h != 0 {
			i = (i + 1) & mask
		}
		sh.slots[i] = e
	}
}

// spill writes the hot table as a new run, clears it and merges runs of
// similar size. It reports false, with the table unchanged, when the run
// could not be written; the shard then stays in memory from now on.
func (sh *idShard) spill() bool {
	// Sort the entries in place at the front of the table.
	keys := sh.slots[:0]
	for _, e := range sh.slots {
		if e.h != 0 {
			keys = append(keys, e)
		}
	}
	slices.SortFunc(keys, func(a, b idSlot) int { return cmp.Compare(a.h, b.h) })
	r, err := writeRun(keys)
	if err != nil {
		saved := slices.Clone(keys)
		clear(sh.slots)
		sh.n = 0
		for _, e := range saved {
			sh.hotAdd(e)
		}
		sh.noDisk = true
		return false
	}
	clear(sh.slots)
	sh.n = 0
	sh.runs = append(sh.runs, r)
	// Merge while the newest run is at least 2/3 the size of the one before.
	for k := len(sh.runs); k >= 2 && sh.runs[k-2].n*2 <= sh.runs[k-1].n*3; k = len(sh.runs) {
		m, err := mergeRuns(sh.runs[k-2], sh.runs[k-1])
		if err != nil {
			break // keep both runs: still exact
		}
		sh.runs[k-2].close()
		sh.runs[k-1].close()
		sh.runs[k-1] = nil
		sh.runs = sh.runs[:k-1]
		sh.runs[k-2] = m
	}
	return true
}

func (s *idSet) setErr(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = fmt.Errorf("dedup: %w", err)
	}
	s.errMu.Unlock()
}

// len returns the number of distinct IDs.
func (s *idSet) len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += sh.n
		for _, r := range sh.runs {
			n += int(r.n)
		}
		sh.mu.Unlock()
	}
	return n
}

// close frees the memory and the temporary files of the set and returns
// the first error met while reading them back, if any. It may be called
// more than once; later calls return the same error.
func (s *idSet) close() error {
	var errs []error
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, r := range sh.runs {
			if err := r.close(); err != nil {
				errs = append(errs, err)
			}
		}
		freeOffHeap(sh.slotsM)
		sh.runs, sh.slots, sh.slotsM, sh.n, sh.buf = nil, nil, nil, 0, nil
		sh.mu.Unlock()
	}
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if !s.closed && s.err == nil && len(errs) > 0 {
		s.err = fmt.Errorf("dedup: %w", errors.Join(errs...))
	}
	s.closed = true
	return s.err
}
