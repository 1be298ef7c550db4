package cache

import (
	"encoding/binary"
	"fmt"
	"slices"

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
// strings), trimmed to what the rows use. A string column may instead be
// a dictionary (nbuf 4: validity, int32 codes, then the offsets and data
// of the distinct values), as snapshots store theirs: decoded, it is an
// Arrow dictionary of int32 indices over utf8 values, which facts.NewView
// shows as a string column.

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

// dictBufs is nbuf of a string column stored as a dictionary.
const dictBufs = 4

// appendBody appends the records of set to b; with dict, every string
// column as a dictionary (d is its scratch map, nil when !dict).
func appendBody(b []byte, set *facts.Set, d *dictEnc) ([]byte, error) {
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
				data := rec.Column(c).Data()
				if data.Offset() != 0 {
					return nil, fmt.Errorf("encode %s: column %s is a slice", t, col.Name)
				}
				if col.Kind == facts.Str && d != nil {
					a, ok := rec.Column(c).(*array.String)
					if !ok {
						return nil, fmt.Errorf("encode %s: column %s is %s", t, col.Name, rec.Column(c).DataType())
					}
					b = d.append(b, a)
					continue
				}
				bufs := data.Buffers()
				b = le.AppendUint64(b, uint64(data.NullN()))
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
				if data.NullN() > 0 {
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
			dict := col.Kind == facts.Str && nbuf == dictBufs
			if !ok1 || !ok2 || nulls > n || nbuf != bufCount(col.Kind) && !dict {
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
			var err error
			if dict {
				var a arrow.Array
				if a, err = dictArray(n, nulls, bufs); err == nil {
					arrs = append(arrs, a)
				}
			} else if err = checkBuffers(col.Kind, n, nulls, bufs); err == nil {
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
		schema := facts.Schema(t)
		if len(arrs) == len(cols) && slices.ContainsFunc(arrs, func(a arrow.Array) bool { return a.DataType().ID() == arrow.DICTIONARY }) {
			fields := slices.Clone(schema.Fields())
			for c, a := range arrs {
				fields[c].Type = a.DataType()
			}
			schema = arrow.NewSchema(fields, nil)
		}
		rec := array.NewRecord(schema, arrs, int64(n))
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

// dictType is the type of a string column stored as a dictionary.
var dictType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// dictArray makes the dictionary array of a string column stored as one
// (bufs: validity, codes, value offsets, value data), checking every code
// of a valid row. The arrays hold their own references to bufs.
func dictArray(n, nulls int, bufs []*memory.Buffer) (arrow.Array, error) {
	blen := func(i int) int {
		if bufs[i] == nil {
			return 0
		}
		return bufs[i].Len()
	}
	if nulls > 0 && blen(0) < (n+7)/8 || nulls == 0 && blen(0) != 0 {
		return nil, fmt.Errorf("validity of %d bytes for %d rows, %d null", blen(0), n, nulls)
	}
	if blen(1) < 4*n || blen(2) < 4 || blen(2)%4 != 0 {
		return nil, fmt.Errorf("dictionary of %d code bytes for %d rows, %d offset bytes", blen(1), n, blen(2))
	}
	nvals := blen(2)/4 - 1
	if err := checkBuffers(facts.Str, nvals, 0, []*memory.Buffer{nil, bufs[2], bufs[3]}); err != nil {
		return nil, fmt.Errorf("dictionary values: %v", err)
	}
	if n > 0 {
		codes := arrow.Int32Traits.CastFromBytes(bufs[1].Bytes())[:n]
		var valid []byte
		if nulls > 0 {
			valid = bufs[0].Bytes()
		}
		for i, k := range codes {
			if (k < 0 || int(k) >= nvals) && (valid == nil || valid[i/8]&(1<<(i%8)) != 0) {
				return nil, fmt.Errorf("row %d: code %d of %d values", i, k, nvals)
			}
		}
	}
	vals := array.NewData(arrow.BinaryTypes.String, nvals, []*memory.Buffer{nil, bufs[2], bufs[3]}, nil, 0, 0)
	defer vals.Release()
	d := array.NewDataWithDictionary(dictType, n, []*memory.Buffer{bufs[0], bufs[1]}, nulls, 0, vals)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// dictEnc encodes string columns as dictionaries, keeping its scratch
// space from one column to the next.
type dictEnc struct {
	codes map[string]int32
	vals  []string
}

func newDictEnc() *dictEnc { return &dictEnc{codes: map[string]int32{}} }

// append appends column a as a dictionary (its header and four buffers).
func (e *dictEnc) append(b []byte, a *array.String) []byte {
	le := binary.LittleEndian
	n := a.Len()
	clear(e.codes)
	e.vals = e.vals[:0]
	b = le.AppendUint64(b, uint64(a.NullN()))
	b = le.AppendUint64(b, dictBufs)
	// validity
	if a.NullN() > 0 {
		size := (n + 7) / 8
		b = le.AppendUint64(b, uint64(size))
		b = append(b, a.NullBitmapBytes()[:size]...)
		b = append(b, make([]byte, pad8(size)-size)...)
	} else {
		b = le.AppendUint64(b, 0)
	}
	// codes; the keys of e.codes alias a's data, which outlives the map's
	// use (cleared before the next column)
	b = le.AppendUint64(b, uint64(4*n))
	var total int
	for i := 0; i < n; i++ {
		var k int32
		if a.IsValid(i) {
			s := a.Value(i)
			var ok bool
			if k, ok = e.codes[s]; !ok {
				k = int32(len(e.vals))
				e.codes[s] = k
				e.vals = append(e.vals, s)
				total += len(s)
			}
		}
		b = le.AppendUint32(b, uint32(k))
	}
	b = append(b, make([]byte, pad8(4*n)-4*n)...)
	// value offsets, then data
	size := 4 * (len(e.vals) + 1)
	b = le.AppendUint64(b, uint64(size))
	off := 0
	b = le.AppendUint32(b, 0)
	for _, v := range e.vals {
		off += len(v)
		b = le.AppendUint32(b, uint32(off))
	}
	b = append(b, make([]byte, pad8(size)-size)...)
	b = le.AppendUint64(b, uint64(total))
	for _, v := range e.vals {
		b = append(b, v...)
	}
	b = append(b, make([]byte, pad8(total)-total)...)
	return b
}
