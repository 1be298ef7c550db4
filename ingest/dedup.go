package ingest

import (
	"errors"
	"fmt"
	"slices"
	"sync"

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
// The zero idSet is ready to use with the default budget. close releases
// the files; the set must not be used after it.
type idSet struct {
	shards [idShards]idShard
	budget int64 // bytes for all hot tables; 0 = DefaultDedupMemory

	errMu  sync.Mutex
	err    error // first read error, reported by close
	closed bool
}

const idShards = 64

// initialSlots is the size of a shard's first hot table (128 KiB).
const initialSlots = 16384

type idShard struct {
	mu     sync.Mutex
	slots  []uint64
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
	per := b / idShards / 8
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

// seen adds id and reports whether it was already there.
func (s *idSet) seen(id []byte) bool {
	return s.seenHash(fingerprint(id))
}

// seenHash is seen for a non-zero fingerprint.
func (s *idSet) seenHash(h uint64) bool {
	sh := &s.shards[h>>58]
	sh.mu.Lock()
	dup := sh.seen(s, h)
	sh.mu.Unlock()
	return dup
}

func (sh *idShard) seen(s *idSet, h uint64) bool {
	if sh.hotHas(h) {
		return true
	}
	for i := len(sh.runs) - 1; i >= 0; i-- {
		ok, err := sh.runs[i].has(h, &sh.buf)
		if err != nil {
			s.setErr(err)
			continue
		}
		if ok {
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
	sh.hotAdd(h)
	return false
}

func (sh *idShard) hotHas(h uint64) bool {
	if len(sh.slots) == 0 {
		return false
	}
	mask := uint64(len(sh.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch sh.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

// hotAdd inserts h, known to be absent, into a table with room.
func (sh *idShard) hotAdd(h uint64) {
	mask := uint64(len(sh.slots) - 1)
	i := h & mask
	for sh.slots[i] != 0 {
		i = (i + 1) & mask
	}
	sh.slots[i] = h
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
	sh.slots, sh.slotsM = allocOffHeap[uint64](n)
	defer freeOffHeap(oldM)
	mask := uint64(n - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for sh.slots[i] != 0 {
			i = (i + 1) & mask
		}
		sh.slots[i] = h
	}
}

// spill writes the hot table as a new run, clears it and merges runs of
// similar size. It reports false, with the table unchanged, when the run
// could not be written; the shard then stays in memory from now on.
func (sh *idShard) spill() bool {
	// Sort the fingerprints in place at the front of the table.
	keys := sh.slots[:0]
	for _, h := range sh.slots {
		if h != 0 {
			keys = append(keys, h)
		}
	}
	slices.Sort(keys)
	r, err := writeRun(keys)
	if err != nil {
		saved := slices.Clone(keys)
		clear(sh.slots)
		sh.n = 0
		for _, h := range saved {
			sh.hotAdd(h)
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
