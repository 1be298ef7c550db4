package report

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// runPool is the allocator of the columns a ParquetWriter concatenates
// from the records of a run: each is released as soon as it is encoded,
// and the next run's needs buffers of about the same sizes, so they are
// kept and handed out again instead of being allocated (zeroed, then
// collected) every time: with 800-row records, allocating them and the GC
// they caused were about 7% of an export's CPU time, and keeping them cut
// the export's wall time about 2% (docs/BENCH.md). A buffer handed out again is
// zeroed, as a new one is. Sizes from poolMin are rounded up to a power
// of two and kept, at most poolMaxHeld bytes in all; smaller ones go to
// mem. Close returns what is kept to mem. Safe for concurrent use.
type runPool struct {
	mem  memory.Allocator
	mu   sync.Mutex
	free [64][][]byte // by log2 of the capacity
	held int
}

const (
	poolMin     = 4 << 10
	poolMaxHeld = 64 << 20
)

var _ memory.Allocator = (*runPool)(nil)

func newRunPool(mem memory.Allocator) *runPool { return &runPool{mem: mem} }

// class is the log2 of the capacity kept for size (size >= poolMin).
func class(size int) int { return bits.Len(uint(size - 1)) }

func (p *runPool) Allocate(size int) []byte {
	if size < poolMin {
		return p.mem.Allocate(size)
	}
	c := class(size)
	p.mu.Lock()
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[c] = l[:len(l)-1]
		p.held -= cap(b)
		p.mu.Unlock()
		b = b[:size]
		clear(b)
		return b
	}
	p.mu.Unlock()
	return p.mem.Allocate(1 << c)[:size]
}

func (p *runPool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *runPool) Free(b []byte) {
	n := cap(b)
	if n < poolMin || n&(n-1) != 0 {
		p.mem.Free(b)
		return
	}
	p.mu.Lock()
	if p.held+n > poolMaxHeld {
		p.mu.Unlock()
		p.mem.Free(b[:n])
		return
	}
	c := class(n)
	p.free[c] = append(p.free[c], b[:n])
	p.held += n
	p.mu.Unlock()
}

// Close returns every kept buffer to mem.
func (p *runPool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, l := range p.free {
		for _, b := range l {
			p.mem.Free(b)
		}
		p.free[c] = nil
	}
	p.held = 0
}
