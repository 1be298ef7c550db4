package extsort

import (
	"bufio"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cursor is one sorted input of a merge: its current record and row.
type cursor struct {
	load func() (arrow.Record, error) // the next record (the cursor's), nil at the end
	rec  arrow.Record
	i    int
	k    key   // of row i; k.src is the cursor's place among the inputs
	src  int32 // rec's index in merged.srcs
}

// merged is a k-way merge of sorted inputs, read by next.
type merged struct {
	s       *Sorter
	heap    []*cursor
	srcs    []arrow.Record // the records refs point into
	retired []arrow.Record // records done with, still referred to by refs
	refs    []ref
}

// mergeRuns merges the run files and, when last is not nil, the rows last
// gives, and calls body with the merge. The files are left in place.
func (s *Sorter) mergeRuns(files []string, last func(rows int) (arrow.Record, error), body func(*merged) error) error {
	m := &merged{s: s}
	var closers []func()
	defer func() {
		for _, c := range m.heap {
			c.rec.Release()
		}
		releaseAll(m.retired)
		for _, c := range closers {
			c()
		}
	}()
	var cursors []*cursor
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("extsort: %w", err)
		}
		r, err := ipc.NewReader(bufio.NewReaderSize(f, runBufBytes), ipc.WithAllocator(s.opts.Mem), ipc.WithSchema(s.schema))
		if err != nil {
			f.Close()
			return fmt.Errorf("extsort: read run %s: %w", name, err)
		}
		closers = append(closers, func() { r.Release(); f.Close() })
		cursors = append(cursors, &cursor{load: func() (arrow.Record, error) {
			if r.Next() {
				rec := r.Record()
				rec.Retain()
				return rec, nil
			}
			if err := r.Err(); err != nil {
				return nil, fmt.Errorf("extsort: read run %s: %w", name, err)
			}
			return nil, nil
		}})
	}
	if last != nil {
		cursors = append(cursors, &cursor{load: func() (arrow.Record, error) { return last(SpillRows) }})
	}
	for ci, c := range cursors {
		rec, err := c.load()
		if err != nil {
			return err
		}
		if rec == nil {
			continue
		}
		c.rec = rec
		c.k = s.keyOf(rec, 0)
		c.k.src = int32(ci)
		m.heap = append(m.heap, c)
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return body(m)
}

func (m *merged) less(a, b *cursor) bool {
	if c := compareKeys(&a.k, &b.k); c != 0 {
		return c < 0
	}
	if c := m.s.compareRows(a.rec, a.i, b.rec, b.i); c != 0 {
		return c < 0
	}
	return a.k.src < b.k.src // equal rows: any order gives the same bytes
}

func (m *merged) down(i int) {
	h := m.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		j := l
		if r := l + 1; r < len(h) && m.less(h[r], h[l]) {
			j = r
		}
		if !m.less(h[j], h[i]) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// next returns the next rows in order, at most rows of them, as a record
// the caller releases; nil after the last row.
func (m *merged) next(rows int) (arrow.Record, error) {
	releaseAll(m.retired)
	m.retired = m.retired[:0]
	m.refs = m.refs[:0]
	m.srcs = m.srcs[:0]
	for _, c := range m.heap {
		c.src = int32(len(m.srcs))
		m.srcs = append(m.srcs, c.rec)
	}
	for len(m.refs) < rows && len(m.heap) > 0 {
		c := m.heap[0]
		m.refs = append(m.refs, ref{c.src, int32(c.i)})
		c.i++
		if c.i >= int(c.rec.NumRows()) {
			m.retired = append(m.retired, c.rec)
			rec, err := c.load()
			c.rec, c.i = rec, 0
			if err != nil {
				m.heap = m.heap[1:] // c.rec is nil: nothing to release
				return nil, err
			}
			if rec == nil {
				last := len(m.heap) - 1
				m.heap[0] = m.heap[last]
				m.heap = m.heap[:last]
				m.down(0)
				continue
			}
			c.src = int32(len(m.srcs))
			m.srcs = append(m.srcs, rec)
		}
		src := c.k.src
		c.k = m.s.keyOf(c.rec, c.i)
		c.k.src = src
		m.down(0)
	}
	if len(m.refs) == 0 {
		return nil, nil
	}
	return gather(m.s.opts.Mem, m.s.schema, m.srcs, m.refs)
}

// ref is one row of a record: src indexes the records given to gather.
type ref struct {
	src, i int32
}

// span is rows [i, j) of record src, in order.
type span struct {
	src, i, j int32
}

// spans groups refs into runs of consecutive rows of one record, into
// dst (reused).
func spans(dst []span, refs []ref) []span {
	dst = dst[:0]
	for _, r := range refs {
		if n := len(dst); n > 0 && dst[n-1].src == r.src && dst[n-1].j == r.i {
			dst[n-1].j++
			continue
		}
		dst = append(dst, span{r.src, r.i, r.i + 1})
	}
	return dst
}

// gather builds a record of the rows refs name, in order; the caller
// releases it. It works a column at a time, on the columns' raw buffers,
// copying each run of consecutive rows of one record at once (an Arrow
// builder per value cost about twice the whole sort).
func gather(mem memory.Allocator, schema *arrow.Schema, srcs []arrow.Record, refs []ref) (arrow.Record, error) {
	n := len(refs)
	sp := spans(nil, refs)
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	arrs := make([]arrow.ArrayData, len(srcs))
	for c, f := range schema.Fields() {
		anyNull := false
		for k, r := range srcs {
			arrs[k] = r.Column(c).Data()
			anyNull = anyNull || arrs[k].NullN() > 0
		}
		// The validity bitmap, only when a row is null.
		nulls := 0
		var valid *memory.Buffer
		if anyNull {
			valid = memory.NewResizableBuffer(mem)
			valid.Resize(int(bitutil.BytesForBits(int64(n))))
			bits := valid.Bytes()
			clear(bits)
			k := 0
			for _, s := range sp {
				d := arrs[s.src]
				if d.NullN() == 0 {
					bitutil.SetBitsTo(bits, int64(k), int64(s.j-s.i), true)
					k += int(s.j - s.i)
					continue
				}
				vb, off := d.Buffers()[0].Bytes(), d.Offset()
				for i := int(s.i); i < int(s.j); i++ {
					if bitutil.BitIsSet(vb, off+i) {
						bitutil.SetBit(bits, k)
					} else {
						nulls++
					}
					k++
				}
			}
			if nulls == 0 {
				valid.Release()
				valid = nil
			}
		}
		var bufs []*memory.Buffer
		switch f.Type.ID() {
		case arrow.STRING:
			offsets := make([][]int32, len(arrs))
			datas := make([][]byte, len(arrs))
			for k, d := range arrs {
				offsets[k] = arrow.Int32Traits.CastFromBytes(d.Buffers()[1].Bytes())[d.Offset():]
				if b := d.Buffers()[2]; b != nil {
					datas[k] = b.Bytes()
				}
			}
			total := 0
			for _, s := range sp {
				o := offsets[s.src]
				total += int(o[s.j] - o[s.i])
			}
			offBuf := memory.NewResizableBuffer(mem)
			offBuf.Resize((n + 1) * 4)
			offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
			dataBuf := memory.NewResizableBuffer(mem)
			dataBuf.Resize(total)
			data := dataBuf.Bytes()
			pos, k := int32(0), 0
			for _, s := range sp {
				o := offsets[s.src]
				base := o[s.i]
				for _, v := range o[s.i:s.j] {
					offs[k] = pos + v - base
					k++
				}
				pos += int32(copy(data[pos:], datas[s.src][base:o[s.j]]))
			}
			offs[n] = pos
			bufs = []*memory.Buffer{valid, offBuf, dataBuf}
		case arrow.TIMESTAMP, arrow.INT64:
			src := make([][]int64, len(arrs))
			for k, d := range arrs {
				src[k] = arrow.Int64Traits.CastFromBytes(d.Buffers()[1].Bytes())[d.Offset():]
			}
			vb := memory.NewResizableBuffer(mem)
			vb.Resize(n * 8)
			vals := arrow.Int64Traits.CastFromBytes(vb.Bytes())
			k := 0
			for _, s := range sp {
				k += copy(vals[k:], src[s.src][s.i:s.j])
			}
			bufs = []*memory.Buffer{valid, vb}
		case arrow.BOOL:
			vb := memory.NewResizableBuffer(mem)
			vb.Resize(int(bitutil.BytesForBits(int64(n))))
			vbits := vb.Bytes()
			clear(vbits)
			k := 0
			for _, s := range sp {
				d := arrs[s.src]
				src, off := d.Buffers()[1].Bytes(), d.Offset()
				for i := int(s.i); i < int(s.j); i++ {
					if bitutil.BitIsSet(src, off+i) {
						bitutil.SetBit(vbits, k)
					}
					k++
				}
			}
			bufs = []*memory.Buffer{valid, vb}
		default:
			if valid != nil {
				valid.Release()
			}
			return nil, fmt.Errorf("%w: %s", ErrUnsupportedType, f.Type)
		}
		d := array.NewData(f.Type, n, bufs, nil, nulls, 0)
		for _, b := range bufs {
			if b != nil {
				b.Release()
			}
		}
		cols[c] = array.MakeFromData(d)
		d.Release()
	}
	return array.NewRecord(schema, cols, int64(n)), nil
}
