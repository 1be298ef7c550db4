package report

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestRunPool: buffers come back zeroed and of the size asked, are reused,
// grow through Reallocate with their bytes, and Close returns everything
// kept to the underlying allocator.
func TestRunPool(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p := newRunPool(mem)
	small := p.Allocate(100)
	if len(small) != 100 {
		t.Fatalf("small: len %d", len(small))
	}
	b := p.Allocate(5000)
	if len(b) != 5000 || cap(b) != 8192 {
		t.Fatalf("len %d cap %d, want 5000 8192", len(b), cap(b))
	}
	for i := range b {
		b[i] = 0xff
	}
	p.Free(b)
	c := p.Allocate(6000)
	if &c[0] != &b[0] {
		t.Error("a freed buffer of the same class was not reused")
	}
	for i, v := range c {
		if v != 0 {
			t.Fatalf("reused buffer not zeroed at %d", i)
		}
	}
	c[0] = 7
	d := p.Reallocate(20000, c)
	if len(d) != 20000 || d[0] != 7 {
		t.Fatalf("reallocated: len %d, first byte %d", len(d), d[0])
	}
	if e := p.Reallocate(100, d); &e[0] != &d[0] {
		t.Error("shrinking reallocation moved the buffer")
	}
	p.Free(d)
	p.Free(small)
	// Past poolMaxHeld, freed buffers go back to mem at once.
	var big [][]byte
	for range 3 {
		big = append(big, p.Allocate(poolMaxHeld/2))
	}
	for _, x := range big {
		p.Free(x)
	}
	if p.held > poolMaxHeld {
		t.Errorf("pool holds %d bytes, more than %d", p.held, poolMaxHeld)
	}
	p.Close()
}
