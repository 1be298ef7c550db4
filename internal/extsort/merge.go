package extsort

import (
	"bufio"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cursor is one sorted input of a merge: its current record and row.
type cursor struct {
	load func() (arrow.Record, error) // the next record (the cursor's), nil at the end
	rec  arrow.Record
	i    int
	k    key
}

// merged is a k-way merge of sorted inputs, read by next.
type merged struct {
	s       *Sorter
	heap    []*cursor
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
	for len(m.refs) < rows && len(m.heap) > 0 {
		c := m.heap[0]
		m.refs = append(m.refs, ref{c.rec, c.i})
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
		}
		src := c.k.src
		c.k = m.s.keyOf(c.rec, c.i)
		c.k.src = src
		m.down(0)
	}
	if len(m.refs) == 0 {
		return nil, nil
	}
	return gather(m.s.opts.Mem, m.s.schema, m.refs)
}

// ref is one row of a record.
type ref struct {
	rec arrow.Record
	i   int
}

// gather builds a record of the rows refs name, in order; the caller
// releases it. Each column's buffers are reserved at their exact size.
func gather(mem memory.Allocator, schema *arrow.Schema, refs []ref) (arrow.Record, error) {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	n := len(refs)
	for c := range schema.NumFields() {
		switch fb := b.Field(c).(type) {
		case *array.StringBuilder:
			total := 0
			for _, r := range refs {
				total += r.rec.Column(c).(*array.String).ValueLen(r.i)
			}
			fb.Reserve(n)
			fb.ReserveData(total)
			for _, r := range refs {
				col := r.rec.Column(c).(*array.String)
				if col.IsNull(r.i) {
					fb.AppendNull()
				} else {
					fb.Append(col.Value(r.i))
				}
			}
		case *array.TimestampBuilder:
			fb.Reserve(n)
			for _, r := range refs {
				col := r.rec.Column(c).(*array.Timestamp)
				if col.IsNull(r.i) {
					fb.UnsafeAppendBoolToBitmap(false)
				} else {
					fb.UnsafeAppend(col.Value(r.i))
				}
			}
		case *array.Int64Builder:
			fb.Reserve(n)
			for _, r := range refs {
				col := r.rec.Column(c).(*array.Int64)
				if col.IsNull(r.i) {
					fb.UnsafeAppendBoolToBitmap(false)
				} else {
					fb.UnsafeAppend(col.Value(r.i))
				}
			}
		case *array.BooleanBuilder:
			fb.Reserve(n)
			for _, r := range refs {
				col := r.rec.Column(c).(*array.Boolean)
				if col.IsNull(r.i) {
					fb.UnsafeAppendBoolToBitmap(false)
				} else {
					fb.UnsafeAppend(col.Value(r.i))
				}
			}
		default:
			return nil, fmt.Errorf("%w: %s", ErrUnsupportedType, schema.Field(c).Type)
		}
	}
	return b.NewRecord(), nil
}
