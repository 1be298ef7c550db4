package extsort

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Defaults and limits; see the package doc.
const (
	// DefaultRunBytes is Options.RunBytes when it is 0: Arrow bytes of rows
	// sorted in memory before they are written to a run file.
	DefaultRunBytes = 32 << 20
	// DefaultBatchRows is Options.BatchRows when it is 0.
	DefaultBatchRows = 8192
	// SpillRows is the rows per record in a run file: Finish holds one
	// such record per run it merges (about 1 MB of CloudTrail events).
	SpillRows = 512
	// MaxFanIn is the most runs merged at once.
	MaxFanIn = 64
	// runBufBytes buffers each run file while it is written or read.
	runBufBytes = 128 << 10
)

// Errors of New.
var (
	ErrNoAllocator     = errors.New("extsort: Options.Mem is required")
	ErrUnsupportedType = errors.New("extsort: unsupported column type")
	ErrBadKey          = errors.New("extsort: bad sort key column")
)

// ErrClosed is returned by Add and Finish after Close or Finish.
var ErrClosed = errors.New("extsort: sorter is closed")

// Options configure a Sorter.
type Options struct {
	Mem       memory.Allocator // required
	Dir       string           // an existing directory for the run files
	RunBytes  int64            // Arrow bytes per sorted run; 0: DefaultRunBytes
	BatchRows int              // rows per record Finish hands out; 0: DefaultBatchRows
	TimeKey   int              // index of the timestamp column sorted on first
	StringKey int              // index of the string column sorted on next
}

// Sorter sorts the rows of the records given to Add; see the package doc.
// It is not safe for concurrent use (it runs one goroutine of its own to
// write runs).
type Sorter struct {
	schema       *arrow.Schema
	opts         Options
	cols         []colCmp
	pending      []arrow.Record // retained
	pendingBytes int64
	runs         []string   // run files, oldest first
	spill        chan error // the run being written, if any
	err          error
	closed       bool
}

// colCmp compares row i of a with row j of b (same column type), nulls first.
type colCmp func(a arrow.Array, i int, b arrow.Array, j int) int

// New returns a Sorter for records of schema.
func New(schema *arrow.Schema, opts Options) (*Sorter, error) {
	if opts.Mem == nil {
		return nil, ErrNoAllocator
	}
	if opts.RunBytes <= 0 {
		opts.RunBytes = DefaultRunBytes
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	n := schema.NumFields()
	if opts.TimeKey < 0 || opts.TimeKey >= n || schema.Field(opts.TimeKey).Type.ID() != arrow.TIMESTAMP {
		return nil, fmt.Errorf("%w: time key %d", ErrBadKey, opts.TimeKey)
	}
	if opts.StringKey < 0 || opts.StringKey >= n || schema.Field(opts.StringKey).Type.ID() != arrow.STRING {
		return nil, fmt.Errorf("%w: string key %d", ErrBadKey, opts.StringKey)
	}
	s := &Sorter{schema: schema, opts: opts}
	for _, f := range schema.Fields() {
		c, err := comparer(f.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		s.cols = append(s.cols, c)
	}
	return s, nil
}

func nullsFirst(a arrow.Array, i int, b arrow.Array, j int) (int, bool) {
	an, bn := a.IsNull(i), b.IsNull(j)
	switch {
	case an && bn:
		return 0, true
	case an:
		return -1, true
	case bn:
		return 1, true
	}
	return 0, false
}

func comparer(dt arrow.DataType) (colCmp, error) {
	switch dt.ID() {
	case arrow.STRING:
		return func(a arrow.Array, i int, b arrow.Array, j int) int {
			if c, null := nullsFirst(a, i, b, j); null {
				return c
			}
			return strings.Compare(a.(*array.String).Value(i), b.(*array.String).Value(j))
		}, nil
	case arrow.TIMESTAMP:
		return func(a arrow.Array, i int, b arrow.Array, j int) int {
			if c, null := nullsFirst(a, i, b, j); null {
				return c
			}
			return cmp.Compare(a.(*array.Timestamp).Value(i), b.(*array.Timestamp).Value(j))
		}, nil
	case arrow.INT64:
		return func(a arrow.Array, i int, b arrow.Array, j int) int {
			if c, null := nullsFirst(a, i, b, j); null {
				return c
			}
			return cmp.Compare(a.(*array.Int64).Value(i), b.(*array.Int64).Value(j))
		}, nil
	case arrow.BOOL:
		return func(a arrow.Array, i int, b arrow.Array, j int) int {
			if c, null := nullsFirst(a, i, b, j); null {
				return c
			}
			av, bv := a.(*array.Boolean).Value(i), b.(*array.Boolean).Value(j)
			switch {
			case av == bv:
				return 0
			case bv:
				return -1
			}
			return 1
		}, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupportedType, dt)
}

// key is the sort key of one row, cached: the time and the string key
// (validity in flags), and where the row is.
type key struct {
	t     int64
	s     string // refers to the record's buffer
	flags uint8  // 1: t valid, 2: s valid
	src   int32  // record index (run sort) or cursor index (merge)
	i     int32  // row in that record
}

func keyAt(ts *array.Timestamp, ss *array.String, i int) key {
	var k key
	if ts.IsValid(i) {
		k.t, k.flags = int64(ts.Value(i)), 1
	}
	if ss.IsValid(i) {
		k.s = ss.Value(i)
		k.flags |= 2
	}
	k.i = int32(i)
	return k
}

func (s *Sorter) keyOf(rec arrow.Record, i int) key {
	return keyAt(rec.Column(s.opts.TimeKey).(*array.Timestamp), rec.Column(s.opts.StringKey).(*array.String), i)
}

// compareKeys compares the cached keys (nulls first).
func compareKeys(a, b *key) int {
	if c := cmp.Compare(a.flags&1, b.flags&1); c != 0 {
		return c
	}
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	if c := cmp.Compare(a.flags&2, b.flags&2); c != 0 {
		return c
	}
	return strings.Compare(a.s, b.s)
}

// compareRows compares row i of a with row j of b in every column.
func (s *Sorter) compareRows(a arrow.Record, i int, b arrow.Record, j int) int {
	for c, f := range s.cols {
		if r := f(a.Column(c), i, b.Column(c), j); r != 0 {
			return r
		}
	}
	return 0
}

// Add queues the rows of rec (retained until they are written to a run
// or handed out by Finish).
func (s *Sorter) Add(rec arrow.Record) error {
	if s.closed {
		return ErrClosed
	}
	if s.err != nil {
		return s.err
	}
	if !rec.Schema().Equal(s.schema) {
		return errors.New("extsort: record schema differs from the sorter's")
	}
	if rec.NumRows() == 0 {
		return nil
	}
	rec.Retain()
	s.pending = append(s.pending, rec)
	s.pendingBytes += recordBytes(rec)
	if s.pendingBytes < s.opts.RunBytes {
		return nil
	}
	if err := s.waitSpill(); err != nil {
		return err
	}
	recs := s.pending
	s.pending, s.pendingBytes = nil, 0
	f, err := os.CreateTemp(s.opts.Dir, "run-*.arrow")
	if err != nil {
		releaseAll(recs)
		s.err = fmt.Errorf("extsort: %w", err)
		return s.err
	}
	s.runs = append(s.runs, f.Name())
	s.spill = make(chan error, 1)
	go func() {
		err := s.writeRun(f, s.sortedChunks(recs))
		releaseAll(recs) // before the send: waitSpill means the run is let go
		s.spill <- err
	}()
	return nil
}

// waitSpill waits for the run being written, if any.
func (s *Sorter) waitSpill() error {
	if s.spill != nil {
		err := <-s.spill
		s.spill = nil
		if err != nil && s.err == nil {
			s.err = err
		}
	}
	return s.err
}

func releaseAll(recs []arrow.Record) {
	for _, r := range recs {
		r.Release()
	}
}

// sortRun returns the keys of the rows of recs, sorted.
func (s *Sorter) sortRun(recs []arrow.Record) []key {
	n := 0
	for _, r := range recs {
		n += int(r.NumRows())
	}
	keys := make([]key, 0, n)
	for ri, r := range recs {
		ts, ss := r.Column(s.opts.TimeKey).(*array.Timestamp), r.Column(s.opts.StringKey).(*array.String)
		for i := range int(r.NumRows()) {
			k := keyAt(ts, ss, i)
			k.src = int32(ri)
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := compareKeys(&a, &b); c != 0 {
			return c
		}
		return s.compareRows(recs[a.src], int(a.i), recs[b.src], int(b.i))
	})
	return keys
}

// sortedChunks returns a function that gathers the sorted rows of recs,
// rows records of at most rows rows at a time, and then nil. The records
// are the caller's (released by the caller after the last call).
func (s *Sorter) sortedChunks(recs []arrow.Record) func(rows int) (arrow.Record, error) {
	var keys []key
	sorted := false
	refs := make([]ref, 0, SpillRows)
	return func(rows int) (arrow.Record, error) {
		if !sorted {
			keys, sorted = s.sortRun(recs), true
		}
		if len(keys) == 0 {
			return nil, nil
		}
		n := min(rows, len(keys))
		refs = refs[:0]
		for _, k := range keys[:n] {
			refs = append(refs, ref{k.src, k.i})
		}
		keys = keys[n:]
		return gather(s.opts.Mem, s.schema, recs, refs)
	}
}

// writeRun writes the records next gives, SpillRows rows each, to f and
// closes it.
func (s *Sorter) writeRun(f *os.File, next func(rows int) (arrow.Record, error)) (err error) {
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("extsort: write run: %w", cerr)
		}
	}()
	bw := bufio.NewWriterSize(f, runBufBytes)
	w := ipc.NewWriter(bw, ipc.WithSchema(s.schema), ipc.WithAllocator(s.opts.Mem))
	for {
		rec, err := next(SpillRows)
		if err != nil {
			w.Close()
			return err
		}
		if rec == nil {
			break
		}
		err = w.Write(rec)
		rec.Release()
		if err != nil {
			w.Close()
			return fmt.Errorf("extsort: write run: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("extsort: write run: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("extsort: write run: %w", err)
	}
	return nil
}

// Finish hands every row to emit in order, in records of
// Options.BatchRows rows; emit does not own the record (it is released
// when emit returns). The first error of emit stops Finish and is
// returned. The Sorter cannot be used after Finish, except for Close.
func (s *Sorter) Finish(emit func(arrow.Record) error) error {
	if s.closed {
		return ErrClosed
	}
	if err := s.waitSpill(); err != nil {
		return err
	}
	recs := s.pending
	s.pending, s.pendingBytes = nil, 0
	defer releaseAll(recs)
	last := s.sortedChunks(recs)
	s.closed = true
	defer s.removeRuns()
	if len(s.runs) == 0 {
		for {
			rec, err := last(s.opts.BatchRows)
			if err != nil || rec == nil {
				return err
			}
			err = emit(rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
	}
	// Merge the oldest runs into longer ones until the rest and the last
	// run fit in one merge.
	for len(s.runs)+1 > MaxFanIn {
		f, err := os.CreateTemp(s.opts.Dir, "run-*.arrow")
		if err != nil {
			return fmt.Errorf("extsort: %w", err)
		}
		group := slices.Clone(s.runs[:MaxFanIn])
		s.runs = append(s.runs[MaxFanIn:], f.Name())
		err = s.mergeRuns(group, nil, func(out *merged) error {
			return s.writeRun(f, out.next)
		})
		for _, r := range group {
			os.Remove(r)
		}
		if err != nil {
			return err
		}
	}
	runs := s.runs
	s.runs = nil
	defer func() {
		for _, r := range runs {
			os.Remove(r)
		}
	}()
	return s.mergeRuns(runs, last, func(out *merged) error {
		for {
			rec, err := out.next(s.opts.BatchRows)
			if err != nil || rec == nil {
				return err
			}
			err = emit(rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
	})
}

// Close releases the rows still held and removes the run files. It waits
// for a run being written. Calling it again does nothing.
func (s *Sorter) Close() {
	s.waitSpill()
	s.closed = true
	releaseAll(s.pending)
	s.pending = nil
	s.removeRuns()
}

func (s *Sorter) removeRuns() {
	for _, r := range s.runs {
		os.Remove(r)
	}
	s.runs = nil
}

// recordBytes estimates the memory rec holds: the capacity of the buffers
// its columns refer to (a builder's buffers can be twice what they hold,
// and a slice keeps whole buffers, so this is what the budget must count).
func recordBytes(rec arrow.Record) int64 {
	var n int64
	for _, c := range rec.Columns() {
		for _, b := range c.Data().Buffers() {
			if b != nil {
				n += int64(b.Cap())
			}
		}
	}
	return n
}
