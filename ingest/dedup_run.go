package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// An idRun is a sorted run of distinct fingerprints of one shard, spilled to
// a temporary file as little-endian uint64 pairs (fingerprint, origin). In
// memory it keeps a Bloom filter and every fenceEvery-th fingerprint, so a
// lookup reads at most one block of fenceEvery entries, and only on a
// Bloom hit. The origin of an entry is rewritten in place (setOrigin) when
// an earlier copy turns up.
type idRun struct {
	f      *os.File
	name   string // set when the file could not be unlinked at creation
	n      int64
	fence  []uint64 // fence[i] = value number i*fenceEvery
	last   uint64
	bloom  bloom
	closed bool
}

const (
	fenceEvery      = 128 // entries per block read by a lookup (2 KiB)
	entryBytes      = 16  // fingerprint and origin
	spillBufBytes   = 64 << 10
	bloomBitsPerKey = 10
)

// dedupFilePattern names the temporary files (os.CreateTemp).
const dedupFilePattern = "keyaudit-dedup-*"

// find reports whether h is in the run, with its entry number and origin.
// buf is reused between calls.
func (r *idRun) find(h uint64, buf *[]byte) (pos int64, o origin, ok bool, err error) {
	if r.n == 0 || h < r.fence[0] || h > r.last || !r.bloom.has(h) {
		return 0, 0, false, nil
	}
	// The block whose first value is the last one <= h.
	b, found := slices.BinarySearch(r.fence, h)
	if !found {
		b--
	}
	start := int64(b) * fenceEvery
	cnt := min(int64(fenceEvery), r.n-start)
	if found {
		cnt = 1 // the block's first entry
	}
	if cap(*buf) < fenceEvery*entryBytes {
		*buf = make([]byte, fenceEvery*entryBytes)
	}
	p := (*buf)[:cnt*entryBytes]
	if _, err := r.f.ReadAt(p, start*entryBytes); err != nil {
		return 0, 0, false, fmt.Errorf("read spill file: %w", err)
	}
	lo, hi := 0, int(cnt)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		v := binary.LittleEndian.Uint64(p[m*entryBytes:])
		switch {
		case v == h:
			return start + int64(m), origin(binary.LittleEndian.Uint64(p[m*entryBytes+8:])), true, nil
		case v < h:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0, 0, false, nil
}

// setOrigin rewrites the origin of entry pos.
func (r *idRun) setOrigin(pos int64, o origin) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(o))
	if _, err := r.f.WriteAt(b[:], pos*entryBytes+8); err != nil {
		return fmt.Errorf("write spill file: %w", err)
	}
	return nil
}

func (r *idRun) close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	freeOffHeap(r.bloom.m)
	r.bloom, r.fence = bloom{}, nil
	err := r.f.Close()
	if r.name != "" {
		if rerr := os.Remove(r.name); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// runWriter writes a new run of a known number of values, in order.
type runWriter struct {
	r   *idRun
	buf []byte
	off int64
	i   int64
}

func newRunWriter(n int64) (*runWriter, error) {
	f, err := os.CreateTemp("", dedupFilePattern)
	if err != nil {
		return nil, fmt.Errorf("create spill file: %w", err)
	}
	r := &idRun{f: f, n: n, bloom: newBloom(n),
		fence: make([]uint64, 0, (n+fenceEvery-1)/fenceEvery)}
	// Unlink now so that the data goes away with the process, however it
	// ends. Some systems (Windows) refuse: remove it at close then.
	if os.Remove(f.Name()) != nil {
		r.name = f.Name()
	}
	return &runWriter{r: r, buf: make([]byte, 0, min(spillBufBytes, entryBytes*max(n, 1)))}, nil
}

func (w *runWriter) add(e idSlot) error {
	h := e.h
	if w.i%fenceEvery == 0 {
		w.r.fence = append(w.r.fence, h)
	}
	w.i++
	w.r.last = h
	w.r.bloom.add(h)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, h)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(e.o))
	if len(w.buf) == cap(w.buf) {
		return w.flush()
	}
	return nil
}

func (w *runWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.r.f.WriteAt(w.buf, w.off); err != nil {
		return fmt.Errorf("write spill file: %w", err)
	}
	w.off += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

func (w *runWriter) finish() (*idRun, error) {
	if err := w.flush(); err != nil {
		return nil, err
	}
	if w.i != w.r.n {
		return nil, fmt.Errorf("spill file: %d values written, want %d", w.i, w.r.n)
	}
	return w.r, nil
}

func (w *runWriter) abort() { w.r.close() }

// writeRun spills entries, sorted by distinct fingerprint, to a new run.
func writeRun(keys []idSlot) (*idRun, error) {
	w, err := newRunWriter(int64(len(keys)))
	if err != nil {
		return nil, err
	}
	for _, e := range keys {
		if err := w.add(e); err != nil {
			w.abort()
			return nil, err
		}
	}
	r, err := w.finish()
	if err != nil {
		w.abort()
	}
	return r, err
}

// runReader streams the values of a run.
type runReader struct {
	r   *idRun
	buf []byte
	p   int   // next byte in buf
	off int64 // file offset after buf
	end int64
}

func newRunReader(r *idRun) *runReader {
	return &runReader{r: r, end: r.n * entryBytes, buf: make([]byte, 0, min(spillBufBytes, entryBytes*max(r.n, 1)))}
}

// next returns the next entry; ok is false at the end.
func (rr *runReader) next() (e idSlot, ok bool, err error) {
	if rr.p == len(rr.buf) {
		if rr.off == rr.end {
			return idSlot{}, false, nil
		}
		m := min(int64(cap(rr.buf)), rr.end-rr.off)
		rr.buf = rr.buf[:m]
		if _, err := rr.r.f.ReadAt(rr.buf, rr.off); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return idSlot{}, false, fmt.Errorf("read spill file: %w", err)
		}
		rr.off += m
		rr.p = 0
	}
	e.h = binary.LittleEndian.Uint64(rr.buf[rr.p:])
	e.o = origin(binary.LittleEndian.Uint64(rr.buf[rr.p+8:]))
	rr.p += entryBytes
	return e, true, nil
}

// mergeRuns writes the union of two disjoint runs to a new run. a and b
// are left open.
func mergeRuns(a, b *idRun) (m *idRun, err error) {
	w, err := newRunWriter(a.n + b.n)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	ra, rb := newRunReader(a), newRunReader(b)
	va, oka, err := ra.next()
	if err != nil {
		return nil, err
	}
	vb, okb, err := rb.next()
	if err != nil {
		return nil, err
	}
	for oka || okb {
		var v idSlot
		switch {
		case oka && (!okb || va.h < vb.h):
			v = va
			va, oka, err = ra.next()
		case okb && (!oka || vb.h < va.h):
			v = vb
			vb, okb, err = rb.next()
		default:
			return nil, errors.New("merge spill files: runs overlap")
		}
		if err != nil {
			return nil, err
		}
		if err := w.add(v); err != nil {
			return nil, err
		}
	}
	return w.finish()
}

// bloom is a split-block Bloom filter: a key sets one bit in each of the
// 8 words of one 32-byte block, so a probe touches one cache line.
type bloom struct {
	blocks [][8]uint32
	m      []byte // the mapping of blocks, see allocOffHeap
}

var bloomSalt = [8]uint32{
	0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f,
	0x165667b1, 0xd3a2646d, 0xfd7046c5, 0xb55a4f09,
}

func newBloom(n int64) bloom {
	nb := (n*bloomBitsPerKey + 255) / 256
	b, m := allocOffHeap[[8]uint32](int(max(nb, 1)))
	return bloom{blocks: b, m: m}
}

// The top 6 bits of a fingerprint pick its shard, so they are the same in
// every key of a filter: the block comes from bits 32-57 and the bits in
// the block from bits 0-31.
func (b bloom) block(h uint64) *[8]uint32 {
	hi := (h >> 32) & (1<<26 - 1)
	return &b.blocks[hi*uint64(len(b.blocks))>>26]
}

func (b bloom) add(h uint64) {
	blk := b.block(h)
	lo := uint32(h)
	for i := range blk {
		blk[i] |= 1 << ((lo * bloomSalt[i]) >> 27)
	}
}

func (b bloom) has(h uint64) bool {
	blk := b.block(h)
	lo := uint32(h)
	for i := range blk {
		if blk[i]&(1<<((lo*bloomSalt[i])>>27)) == 0 {
			return false
		}
	}
	return true
}
