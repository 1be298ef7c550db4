package cloudtrail

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// columns accumulates rows of EventSchema in plain Go buffers that are
// reused from batch to batch, and copies them into allocator memory once
// per batch. Appending to array builders value by value cost about half of
// the decoding time. Columns are filled lazily: a row touches only the
// columns it has a value in, and the nulls before a value (and at the end
// of a batch) are filled in one go.
//
// The per-row buffers are sized for a whole batch when it starts and
// written by index, so appending a value never stores a slice header
// (which would cost a GC write barrier per value); only string bytes grow.
type columns struct {
	mem   memory.Allocator
	rows  int // capacity of the batch in rows
	n     int
	bytes int // string bytes buffered
	str   [NumColumns]strCol
	num   [NumColumns][]int64
	bits  [NumColumns][]byte // boolean values, one bit per row
	valid [NumColumns][]byte // validity bitmaps, one bit per row
	count [NumColumns]int    // non-null values
	upto  [NumColumns]int    // rows accounted for (values or nulls)
}

type strCol struct {
	data []byte  // len(data) is the capacity in use; end is the length
	end  int32   // bytes used in data
	offs []int32 // offs[0..upto] are set
}

func newColumns(mem memory.Allocator) *columns {
	c := &columns{mem: mem}
	c.reset()
	return c
}

// size makes the buffers hold a batch of rows rows (the batch must be
// empty).
func (c *columns) size(rows int) {
	c.rows = rows
	nb := int(bitutil.BytesForBits(int64(rows)))
	for i := 0; i < NumColumns; i++ {
		switch colKind[i] {
		case kindString:
			c.str[i].offs = make([]int32, rows+1)
		case kindTime:
			c.num[i] = make([]int64, rows)
		case kindBool:
			c.bits[i] = make([]byte, nb)
		}
		c.valid[i] = make([]byte, nb)
	}
}

// fill accounts for rows up to n (excluded) of column i as nulls.
func (c *columns) fill(i, n int) {
	if colKind[i] == kindString {
		s := &c.str[i]
		offs, end := s.offs[:n+1], s.end
		for j := c.upto[i] + 1; j <= n; j++ {
			offs[j] = end
		}
	}
	// Time and bool slots of nulls are zero since reset.
	c.upto[i] = n
}

// appendRow appends r, leaving the columns in omit null. String values
// must be valid UTF-8. The batch holds at most rows rows: the caller
// builds a record before that.
func (c *columns) appendRow(r *row, omit uint64, rows int) {
	n := c.n
	if n == 0 && c.rows != rows {
		c.size(rows)
	}
	for m := r.mask &^ omit; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		if c.upto[i] < n {
			c.fill(i, n)
		}
		switch colKind[i] {
		case kindString:
			s := &c.str[i]
			v := r.str[i]
			end := int(s.end) + len(v)
			if end > len(s.data) {
				s.grow(end)
			}
			copy(s.data[s.end:end], v)
			s.end = int32(end)
			s.offs[n+1] = int32(end)
			c.bytes += len(v)
		case kindTime:
			c.num[i][n] = r.num[i]
		case kindBool:
			if r.bits[i] {
				c.bits[i][n>>3] |= 1 << (n & 7)
			}
		}
		c.valid[i][n>>3] |= 1 << (n & 7)
		c.count[i]++
		c.upto[i] = n + 1
	}
	c.n++
}

// grow makes data hold at least need bytes, keeping the bytes in use.
func (s *strCol) grow(need int) {
	size := 2 * len(s.data)
	if size < need {
		size = need
	}
	if size < 4096 {
		size = 4096
	}
	data := make([]byte, size)
	copy(data, s.data[:s.end])
	s.data = data
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
	nb := int(bitutil.BytesForBits(int64(n)))
	cols := make([]arrow.Array, NumColumns)
	for i := 0; i < NumColumns; i++ {
		nulls := n - c.count[i]
		var validity *memory.Buffer
		if nulls > 0 && nulls < n {
			validity = c.buffer(c.valid[i][:nb])
		} else if nulls == n {
			validity = c.buffer(zeros(nb))
		}
		var bufs []*memory.Buffer
		switch colKind[i] {
		case kindString:
			c.fill(i, n)
			s := &c.str[i]
			bufs = []*memory.Buffer{validity, c.buffer(arrow.Int32Traits.CastToBytes(s.offs[:n+1])), c.buffer(s.data[:s.end])}
		case kindTime:
			bufs = []*memory.Buffer{validity, c.buffer(arrow.Int64Traits.CastToBytes(c.num[i][:n]))}
		case kindBool:
			bufs = []*memory.Buffer{validity, c.buffer(c.bits[i][:nb])}
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

var zeroBytes [1024]byte

// zeros returns n zero bytes (not to be written).
func zeros(n int) []byte {
	if n <= len(zeroBytes) {
		return zeroBytes[:n]
	}
	return make([]byte, n)
}

// reset empties the batch, clearing what the last one wrote.
func (c *columns) reset() {
	n := c.n
	nb := int(bitutil.BytesForBits(int64(n)))
	for i := 0; i < NumColumns; i++ {
		c.str[i].end = 0
		if c.num[i] != nil {
			clear(c.num[i][:n])
		}
		if c.bits[i] != nil {
			clear(c.bits[i][:nb])
		}
		if c.valid[i] != nil {
			clear(c.valid[i][:nb])
		}
		c.count[i] = 0
		c.upto[i] = 0
	}
	c.n, c.bytes = 0, 0
}
