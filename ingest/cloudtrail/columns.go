package cloudtrail

import (
	"math/bits"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// columns accumulates rows of EventSchema in plain Go slices that are
// reused from batch to batch, and copies them into allocator memory once
// per batch. Appending to array builders value by value cost about half of
// the decoding time. Columns are filled lazily: a row touches only the
// columns it has a value in, and the nulls before a value (and at the end
// of a batch) are filled in one go.
type columns struct {
	mem   memory.Allocator
	n     int
	bytes int // string bytes buffered
	str   [NumColumns]strCol
	num   [NumColumns][]int64
	bits  [NumColumns][]byte // boolean values, one bit per row
	valid [NumColumns][]byte // validity bitmaps, one bit per row
	count [NumColumns]int    // non-null values
}

type strCol struct {
	data []byte
	offs []int32 // len(offs)-1 rows are accounted for
}

func newColumns(mem memory.Allocator) *columns {
	c := &columns{mem: mem}
	c.reset()
	return c
}

// setBit sets bit i of the bitmap b, growing it as needed.
func setBit(b []byte, i int) []byte {
	for i>>3 >= len(b) {
		b = append(b, 0)
	}
	b[i>>3] |= 1 << (i & 7)
	return b
}

// fill accounts for rows up to n (excluded) of column i as nulls.
func (c *columns) fill(i, n int) {
	switch colKind[i] {
	case kindString:
		s := &c.str[i]
		end := int32(len(s.data))
		for len(s.offs) <= n {
			s.offs = append(s.offs, end)
		}
	case kindTime:
		for len(c.num[i]) < n {
			c.num[i] = append(c.num[i], 0)
		}
	}
}

// appendRow appends r, leaving the columns in omit null. String values
// must be valid UTF-8.
func (c *columns) appendRow(r *row, omit uint64) {
	n := c.n
	for m := r.mask &^ omit; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		c.fill(i, n)
		switch colKind[i] {
		case kindString:
			s := &c.str[i]
			v := r.str[i]
			c.bytes += len(v)
			s.data = append(s.data, v...)
			s.offs = append(s.offs, int32(len(s.data)))
		case kindTime:
			c.num[i] = append(c.num[i], r.num[i])
		case kindBool:
			if r.bits[i] {
				c.bits[i] = setBit(c.bits[i], n)
			}
		}
		c.valid[i] = setBit(c.valid[i], n)
		c.count[i]++
	}
	c.n++
}

// bitmap returns b extended with zeros to hold n bits.
func bitmap(b []byte, n int) []byte {
	for len(b) < int(bitutil.BytesForBits(int64(n))) {
		b = append(b, 0)
	}
	return b
}

func (c *columns) buffer(b []byte) *memory.Buffer {
	buf := memory.NewResizableBuffer(c.mem)
	buf.Resize(len(b))
	copy(buf.Bytes(), b)
	return buf
}

// record builds a record of the buffered rows (the caller owns it) and
// resets the columns.
func (c *columns) record() arrow.Record {
	n := c.n
	cols := make([]arrow.Array, NumColumns)
	for i := 0; i < NumColumns; i++ {
		c.fill(i, n)
		nulls := n - c.count[i]
		var validity *memory.Buffer
		if nulls > 0 {
			c.valid[i] = bitmap(c.valid[i], n)
			validity = c.buffer(c.valid[i])
		}
		var bufs []*memory.Buffer
		switch colKind[i] {
		case kindString:
			s := &c.str[i]
			bufs = []*memory.Buffer{validity, c.buffer(arrow.Int32Traits.CastToBytes(s.offs[:n+1])), c.buffer(s.data)}
		case kindTime:
			bufs = []*memory.Buffer{validity, c.buffer(arrow.Int64Traits.CastToBytes(c.num[i][:n]))}
		case kindBool:
			c.bits[i] = bitmap(c.bits[i], n)
			bufs = []*memory.Buffer{validity, c.buffer(c.bits[i])}
		}
		data := array.NewData(EventSchema.Field(i).Type, n, bufs, nil, nulls, 0)
		for _, b := range bufs {
			if b != nil {
				b.Release()
			}
		}
		cols[i] = array.MakeFromData(data)
		data.Release()
	}
	rec := array.NewRecord(EventSchema, cols, int64(n))
	for _, a := range cols {
		a.Release()
	}
	c.reset()
	return rec
}

func (c *columns) reset() {
	c.n, c.bytes = 0, 0
	for i := 0; i < NumColumns; i++ {
		c.str[i].data = c.str[i].data[:0]
		c.str[i].offs = append(c.str[i].offs[:0], 0)
		c.num[i] = c.num[i][:0]
		c.bits[i] = c.bits[i][:0]
		c.valid[i] = c.valid[i][:0]
		c.count[i] = 0
	}
}
