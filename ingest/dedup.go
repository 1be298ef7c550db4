package ingest

import (
	"sync"

	"github.com/cespare/xxhash/v2"
)

// idSet is the set of eventIDs seen so far, shared by all workers.
//
// It stores only the 64-bit xxhash of each eventID in open-addressing
// tables ([]uint64, linear probing, 0 marks an empty slot) split into 64
// shards, each behind its own mutex, so workers rarely contend. A table
// doubles when it is 13/16 full, so memory is between ~10 and ~20 bytes per
// distinct eventID (about 150 MB for 10 M events). Two different eventIDs
// with the same 64-bit hash would be taken for duplicates: for 10 M events
// the chance of any such collision is about 3 in a million.
type idSet struct {
	shards [idShards]idShard
}

const idShards = 64

type idShard struct {
	mu    sync.Mutex
	slots []uint64
	n     int
	_     [40]byte // keep shards on separate cache lines
}

// seen adds id and reports whether it was already there.
func (s *idSet) seen(id []byte) bool {
	h := xxhash.Sum64(id)
	if h == 0 {
		h = 1
	}
	sh := &s.shards[h>>58]
	sh.mu.Lock()
	dup := sh.insert(h)
	sh.mu.Unlock()
	return dup
}

func (sh *idShard) insert(h uint64) bool {
	if sh.n*16 >= len(sh.slots)*13 {
		sh.grow()
	}
	mask := uint64(len(sh.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch sh.slots[i] {
		case h:
			return true
		case 0:
			sh.slots[i] = h
			sh.n++
			return false
		}
	}
}

func (sh *idShard) grow() {
	n := len(sh.slots) * 2
	if n == 0 {
		n = 1024
	}
	old := sh.slots
	sh.slots = make([]uint64, n)
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

// len returns the number of distinct IDs.
func (s *idSet) len() int {
	n := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += s.shards[i].n
		s.shards[i].mu.Unlock()
	}
	return n
}
