package cache

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
)

// The facts part of an entry is the Arrow buffers of its records as they
// are in memory, so that reading it back is one read into one buffer of
// Options.Mem and arrays that are slices of it: no IPC schema message
// per table, no copy per column. Every number is a little-endian u64 and
// every buffer starts at a multiple of 8 (Arrow's alignment for the
// widest value the fact schemas hold):
//
//	per record: table, rows, then per column (schema order of
//	facts.Schema(table)): nulls, nbuf, nbuf × (len, len bytes, padding)
//
// The buffers are those of the canonical type of the column's kind
// (validity bitmap or len 0; then values, or offsets and data for
// strings), trimmed to what the rows use.

// bufCount is the number of buffers of an array of kind k.
func bufCount(k facts.Kind) int {
	if k == facts.Str {
		return 3
	}
	return 2
}

// width is the bit width of a value of kind k (0: strings).
func width(k facts.Kind) int {
	switch k {
	case facts.I64, facts.Time:
		return 64
	case facts.Date, facts.I32:
		return 32
	case facts.Bool:
		return 1
	}
	return 0
}

func pad8(n int) int { return (n + 7) &^ 7 }

// appendBody appends the records of set to b.
func appendBody(b []byte, set *facts.Set) ([]byte, error) {
	le := binary.LittleEndian
	for t := facts.Table(0); t < facts.NumTables; t++ {
		cols := facts.Columns(t)
		for _, rec := range set.Records[t] {
			if _, err := facts.NewView(t, rec); err != nil {
				return nil, err
			}
			n := int(rec.NumRows())
			b = le.AppendUint64(le.AppendUint64(b, uint64(t)), uint64(n))
			for c, col := range cols {
				d := rec.Column(c).Data()
				if d.Offset() != 0 {
					return nil, fmt.Errorf("encode %s: column %s is a slice", t, col.Name)
				}
				bufs := d.Buffers()
				b = le.AppendUint64(b, uint64(d.NullN()))
				b = le.AppendUint64(b, uint64(bufCount(col.Kind)))
				put := func(buf *memory.Buffer, size int) error {
					if size > 0 && (buf == nil || buf.Len() < size) {
						return fmt.Errorf("encode %s: column %s: buffer shorter than its rows", t, col.Name)
					}
					b = le.AppendUint64(b, uint64(size))
					if size > 0 {
						b = append(b, buf.Bytes()[:size]...)
					}
					b = append(b, make([]byte, pad8(size)-size)...)
					return nil
				}
				vsize := 0
				if d.NullN() > 0 {
					vsize = (n + 7) / 8
				}
				if err := put(bufs[0], vsize); err != nil {
					return nil, err
				}
				if col.Kind == facts.Str {
					if err := put(bufs[1], 4*(n+1)); err != nil {
						return nil, err
					}
					end := int(rec.Column(c).(*array.String).ValueOffsets()[n])
					if err := put(bufs[2], end); err != nil {
						return nil, err
					}
					continue
				}
				if err := put(bufs[1], (n*width(col.Kind)+7)/8); err != nil {
					return nil, err
				}
			}
		}
	}
	return b, nil
}

// decodeBody turns the facts part in buf (of length len(body), read into
// an allocation that starts 8-aligned) into records, each column a slice
// of buf, into set. buf is retained by the arrays; the caller keeps its
// own reference. Everything is checked against the schema and the
// buffers' bounds, so a bad body is an error, never a panic.
func decodeBody(buf *memory.Buffer, set *facts.Set) error {
	body := buf.Bytes()
	le := binary.LittleEndian
	p := 0
	u64 := func() (int, bool) {
		if p+8 > len(body) {
			return 0, false
		}
		v := le.Uint64(body[p:])
		p += 8
		if v > uint64(len(body)) {
			return 0, false
		}
		return int(v), true
	}
	bad := func(what string) error { return fmt.Errorf("%w: facts: %s at %d", errCorrupt, what, p) }
	for p < len(body) {
		ti, ok1 := u64()
		n, ok2 := u64()
		if !ok1 || !ok2 || ti >= int(facts.NumTables) {
			return bad("record header")
		}
		t := facts.Table(ti)
		cols := facts.Columns(t)
		arrs := make([]arrow.Array, 0, len(cols))
		release := func() {
			for _, a := range arrs {
				a.Release()
			}
		}
		for _, col := range cols {
			nulls, ok1 := u64()
			nbuf, ok2 := u64()
			if !ok1 || !ok2 || nulls > n || nbuf != bufCount(col.Kind) {
				release()
				return bad("column header")
			}
			bufs := make([]*memory.Buffer, nbuf)
			for i := range bufs {
				size, ok := u64()
				if !ok || p+pad8(size) > len(body) {
					release()
					return bad("buffer")
				}
				if size > 0 {
					bufs[i] = memory.SliceBuffer(buf, p, size)
				}
				p += pad8(size)
			}
			err := checkBuffers(col.Kind, n, nulls, bufs)
			if err == nil {
				d := array.NewData(col.Kind.ArrowType(), n, bufs, nil, nulls, 0)
				arrs = append(arrs, array.MakeFromData(d))
				d.Release()
			}
			for _, b := range bufs {
				if b != nil {
					b.Release()
				}
			}
			if err != nil {
				release()
				return fmt.Errorf("%w: facts: %s.%s: %v", errCorrupt, t, col.Name, err)
			}
		}
		rec := array.NewRecord(facts.Schema(t), arrs, int64(n))
		release()
		err := set.Facts(t, rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func checkBuffers(k facts.Kind, n, nulls int, bufs []*memory.Buffer) error {
	blen := func(i int) int {
		if bufs[i] == nil {
			return 0
		}
		return bufs[i].Len()
	}
	if nulls > 0 && blen(0) < (n+7)/8 || nulls == 0 && blen(0) != 0 {
		return fmt.Errorf("validity of %d bytes for %d rows, %d null", blen(0), n, nulls)
	}
	if k != facts.Str {
		if blen(1) < (n*width(k)+7)/8 {
			return fmt.Errorf("values of %d bytes for %d rows", blen(1), n)
		}
		return nil
	}
	if blen(1) < 4*(n+1) {
		return fmt.Errorf("offsets of %d bytes for %d rows", blen(1), n)
	}
	offs := arrow.Int32Traits.CastFromBytes(bufs[1].Bytes())[:n+1]
	if offs[0] < 0 {
		return fmt.Errorf("negative offset")
	}
	for i := 1; i <= n; i++ {
		if offs[i] < offs[i-1] {
			return fmt.Errorf("offsets decrease at row %d", i)
		}
	}
	if int(offs[n]) > blen(2) {
		return fmt.Errorf("offsets past the %d bytes of data", blen(2))
	}
	return nil
}
