package report

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

var _ Writer = (*ParquetWriter)(nil)

// DefaultRowGroupBytes is the estimated Arrow (uncompressed, in-memory)
// size of the rows in one row group when Options.RowGroupBytes is 0.
// keyaudit's columns are short, repetitive strings that compress several
// times, so 128 MiB of Arrow data makes row groups of tens of MB on
// disk — the range PARQUET.md asks for. The writer holds one row group's
// encoded pages and dictionaries, and the record being encoded.
const DefaultRowGroupBytes int64 = 128 << 20

// dataPageBytes is the target size of a data page before compression
// (Arrow's default is 1 MiB). Each column writer keeps its page buffers
// at the size of its largest page, and the plain JSON columns of a run of
// events fill a page past the limit before it is checked, so smaller pages
// are what a writer holds: on the 400,000-event bench tree a Snappy export
// peaked about 30 MB lower (ZSTD too) for a file 0.6% larger. Every reader
// takes pages of any size, and smaller ones make page statistics finer.
const dataPageBytes = 256 << 10

// Parquet codecs for Options.Compression. DuckDB, Athena/Glue, Spark, Trino
// and Snowflake read both.
//
// Snappy is the default. ZSTD makes CloudTrail files about 38% smaller for
// about 1.1x the export time with arrow-go v18 (Arrow v15 built a new ZSTD
// encoder for every page, which made a partitioned ZSTD export 6x slower).
const (
	CompressionSnappy = "snappy"
	CompressionZSTD   = "zstd"
)

// ErrUnknownCompression is the cause of the error NewWriter returns for a
// codec name it does not know.
var ErrUnknownCompression = errors.New("unknown Parquet compression")

// Compressions returns the codec names Options.Compression accepts.
func Compressions() []string { return []string{CompressionSnappy, CompressionZSTD} }

func parquetCodec(name string) (compress.Compression, error) {
	switch name {
	case "", CompressionSnappy:
		return compress.Codecs.Snappy, nil
	case CompressionZSTD:
		return compress.Codecs.Zstd, nil
	}
	return 0, fmt.Errorf("%w %q (want %s)", ErrUnknownCompression, name, strings.Join(Compressions(), " or "))
}

// ErrUnsignedType, ErrExtensionType and ErrNaiveTimestamp are causes of
// the error NewParquetWriter returns for a schema that warehouses would
// refuse or misread (see PARQUET.md).
var (
	ErrUnsignedType   = errors.New("unsigned integer column (warehouses lack unsigned types; use int64)")
	ErrExtensionType  = errors.New("arrow extension type")
	ErrNaiveTimestamp = errors.New("timestamp without time zone (use UTC)")
)

// ParquetWriter writes records to a Parquet file with the settings in
// PARQUET.md: format version 2.4, a REQUIRED schema root, timestamps as
// INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true), Snappy or ZSTD, dictionary encoding
// (except Options.PlainColumns), statistics, and the Arrow schema stored in
// the footer, as pqarrow.FileWriter writes it.
//
// Rows are encoded as they arrive, into the current row group
// (parquet/file's buffered row group, which keeps the row group's
// compressed pages and dictionaries in memory until it is closed), while
// the caller prepares the next records. Records are held until they make
// a run of at least minEncodeRows rows (or minEncodeBytes), whose columns
// are then encoded as one (see encodeColumn). A row group is closed after
// about Options.RowGroupBytes of Arrow data, so row groups are cut by
// size, and the memory held is one row group's encoded pages plus the
// runs being gathered and encoded, not the row group's Arrow data. The
// columns of a run are encoded by Options.EncodeWorkers goroutines at
// once, each column by one of them, in the order the records came: every
// column writer gets the same calls for any number of workers, so the
// bytes are the same. Columns must be flat (no lists, structs or maps,
// which PARQUET.md says some warehouses refuse).
//
// The io.Writer need not be seekable; Parquet is written front to back and
// the footer is written by Close. The writer never closes it.
type ParquetWriter struct {
	fw       *file.Writer
	runs     *runPool // of the concatenated batches of runs that span records
	arrProps pqarrow.ArrowWriterProperties
	proj     projection
	limit    int64
	workers  int
	closed   bool

	batchRows int64 // the column writers' WriteBatchSize: rows per call (see encodeColumn)

	rgw       file.BufferedRowGroupWriter // the open row group, nil between row groups
	groupRows int64                       // rows given to rgw
	groupSize int64                       // their estimated Arrow bytes

	jobs     chan encodeJob // to the encoding goroutines, started by the first Write
	inflight *encodeBatch   // the records being encoded, if any

	pending     []arrow.Record // records of the open row group not yet encoded, owned
	pendingRows int64
	pendingSize int64
}

// encodeBatch is a run of records being encoded as one: each column is a
// job, which encodes the column of every record, concatenated.
type encodeBatch struct {
	recs []arrow.Record // owned; released when every column is encoded
	wg   sync.WaitGroup
	errs []error // per column
}

// minEncodeRows and minEncodeBytes: records are encoded in runs of at
// least this many rows or this much Arrow data, whichever comes first.
// The ingest cuts records at file ends, so an S3 tree gives records of a
// few hundred rows, and pqarrow's cost per call made encoding 800-row
// records about 1.3x as costly as 8,192-row ones (BenchmarkEventsParquet);
// concatenating a run's columns first costs far less. A run is held twice
// at most (one gathering, one encoding), so the bytes bound what it adds
// to the writer's memory.
const (
	minEncodeRows  = 4096
	minEncodeBytes = 4 << 20
)

type encodeJob struct {
	b *encodeBatch
	c int
}

// noClose hides Close from the file writer, which closes its sink.
type noClose struct{ w io.Writer }

func (n noClose) Write(p []byte) (int, error) { return n.w.Write(p) }

// ErrNestedType is the cause of the error NewParquetWriter returns for a
// list, struct or map column.
var ErrNestedType = errors.New("nested column (only flat columns are written to Parquet)")

// NewParquetWriter returns a ParquetWriter for records with the given
// schema and writes the file header to w. Options.Columns, Allocator,
// RowGroupBytes, Compression, EncodeWorkers and PlainColumns apply.
func NewParquetWriter(w io.Writer, schema *arrow.Schema, opts Options) (*ParquetWriter, error) {
	proj, err := newProjection(schema, opts.Columns)
	if err != nil {
		return nil, fmt.Errorf("new parquet writer: %w", err)
	}
	if err := checkParquetSchema(proj.out); err != nil {
		return nil, fmt.Errorf("new parquet writer: %w", err)
	}
	for _, f := range proj.out.Fields() {
		if _, nested := f.Type.(arrow.NestedType); nested {
			return nil, fmt.Errorf("new parquet writer: column %q: %w", f.Name, ErrNestedType)
		}
	}
	codec, err := parquetCodec(opts.Compression)
	if err != nil {
		return nil, fmt.Errorf("new parquet writer: %w", err)
	}
	mem := opts.allocator()
	limit := opts.RowGroupBytes
	if limit <= 0 {
		limit = DefaultRowGroupBytes
	}
	pprops := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithVersion(parquet.V2_4),
		parquet.WithRootRepetition(parquet.Repetitions.Required),
		parquet.WithCompression(codec),
		parquet.WithDictionaryDefault(true),
		// A dictionary that outgrew the page size limit falls back to
		// PLAIN part way through a column chunk, and Arrow Go (v18.9 too)
		// writes the chunk's encoding_stats for its two data encodings in
		// map order: the same rows gave different bytes. A limit as large
		// as the row group means a chunk never falls back.
		parquet.WithDictionaryPageSizeLimit(limit),
		parquet.WithStats(true),
		parquet.WithDataPageSize(dataPageBytes),
	}
	for _, c := range opts.PlainColumns {
		if proj.out.FieldIndices(c) == nil {
			return nil, fmt.Errorf("new parquet writer: plain column %q is not written", c)
		}
		pprops = append(pprops, parquet.WithDictionaryFor(c, false))
	}
	props := parquet.NewWriterProperties(pprops...)
	arrProps := pqarrow.NewArrowWriterProperties(
		pqarrow.WithAllocator(mem),
		pqarrow.WithCoerceTimestamps(arrow.Millisecond),
		pqarrow.WithStoreSchema(),
	)
	pqschema, err := pqarrow.ToParquet(proj.out, props, arrProps)
	if err != nil {
		return nil, fmt.Errorf("new parquet writer: %w", err)
	}
	// The footer's key-value metadata, as pqarrow.FileWriter writes it:
	// the schema's own, then the Arrow schema (flat, so no list field
	// names to normalize).
	var meta metadata.KeyValueMetadata
	for i, k := range proj.out.Metadata().Keys() {
		meta.Append(k, proj.out.Metadata().Values()[i])
	}
	meta.Append("ARROW:schema", base64.StdEncoding.EncodeToString(flight.SerializeSchema(proj.out, mem)))
	fw, err := file.NewParquetWriterWithError(noClose{w}, pqschema.Root(), file.WithWriterProps(props), file.WithWriteMetadata(meta))
	if err != nil {
		return nil, fmt.Errorf("new parquet writer: %w", err)
	}
	workers := opts.EncodeWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &ParquetWriter{fw: fw, runs: newRunPool(mem), arrProps: arrProps, proj: proj, limit: limit, workers: workers,
		batchRows: props.WriteBatchSize()}, nil
}

// Write encodes the rows of rec into the current row group, first closing
// it when rec would take it past the size limit; a record larger than the
// limit is split across row groups. The encoding goes on after Write
// returns: rec (or the columns selected from it) is retained until it is
// done; the caller releases its own reference as usual. An encoding error
// is returned by a later Write or by Close.
func (p *ParquetWriter) Write(rec arrow.Record) error {
	if p.closed {
		return fmt.Errorf("write parquet: %w", ErrClosed)
	}
	if err := p.proj.check(rec); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	n := rec.NumRows()
	if n == 0 {
		return nil
	}
	var r arrow.Record
	if p.proj.all {
		rec.Retain()
		r = rec
	} else {
		cols := make([]arrow.Array, len(p.proj.index))
		for i, idx := range p.proj.index {
			cols[i] = rec.Column(idx)
		}
		r = array.NewRecord(p.proj.out, cols, n)
	}
	defer r.Release()
	size := recordSize(r)
	// Rows per chunk so that a chunk is at most about limit bytes.
	chunk := n
	if size > p.limit {
		chunk = max(1, n*p.limit/size)
	}
	for off := int64(0); off < n; off += chunk {
		end := min(n, off+chunk)
		partSize := size * (end - off) / n
		if p.groupRows > 0 && p.groupSize+partSize > p.limit {
			if err := p.closeGroup(); err != nil {
				return fmt.Errorf("write parquet: %w", err)
			}
		}
		var part arrow.Record
		if off == 0 && end == n {
			r.Retain()
			part = r
		} else {
			part = r.NewSlice(off, end)
		}
		p.pending = append(p.pending, part)
		p.pendingRows += end - off
		p.pendingSize += partSize
		p.groupSize += partSize
		p.groupRows += end - off
		if p.pendingRows >= minEncodeRows || p.pendingSize >= minEncodeBytes {
			if err := p.encodePending(); err != nil {
				return fmt.Errorf("write parquet: %w", err)
			}
		}
	}
	return nil
}

// encodePending waits for the records being encoded, then starts encoding
// the pending ones (which it takes over) into the open row group, opening
// one if needed.
func (p *ParquetWriter) encodePending() error {
	recs := p.pending
	p.pending, p.pendingRows, p.pendingSize = nil, 0, 0
	if len(recs) == 0 {
		return nil
	}
	release := func() {
		for _, r := range recs {
			r.Release()
		}
	}
	if err := p.wait(); err != nil {
		release()
		return err
	}
	if p.rgw == nil {
		rgw, err := p.fw.AppendBufferedRowGroupChecked()
		if err != nil {
			release()
			return err
		}
		p.rgw = rgw
	}
	if p.jobs == nil {
		p.startWorkers()
	}
	ncols := len(p.proj.out.Fields())
	b := &encodeBatch{recs: recs, errs: make([]error, ncols)}
	b.wg.Add(ncols)
	p.inflight = b
	go func() {
		for c := range ncols {
			p.jobs <- encodeJob{b, c}
		}
	}()
	return nil
}

// startWorkers starts the goroutines that encode columns; Close stops them.
func (p *ParquetWriter) startWorkers() {
	p.jobs = make(chan encodeJob)
	for range min(p.workers, len(p.proj.out.Fields())) {
		go func() {
			// A write context holds scratch buffers: one per goroutine.
			ctx := pqarrow.NewArrowWriteContext(context.Background(), &p.arrProps)
			var s scratch
			for j := range p.jobs {
				j.b.errs[j.c] = p.encodeColumn(ctx, j.b.recs, j.c, &s)
				j.b.wg.Done()
			}
		}()
	}
}

// wait waits for the record being encoded, if any, releases it and
// returns the first column's error.
func (p *ParquetWriter) wait() error {
	b := p.inflight
	if b == nil {
		return nil
	}
	p.inflight = nil
	b.wg.Wait()
	for _, r := range b.recs {
		r.Release()
	}
	for c, err := range b.errs {
		if err != nil {
			return fmt.Errorf("column %q: %w", p.proj.out.Field(c).Name, err)
		}
	}
	return nil
}

// closeGroup finishes the open row group, if any, and writes it out column
// by column.
func (p *ParquetWriter) closeGroup() error {
	err := p.encodePending()
	if werr := p.wait(); err == nil {
		err = werr
	}
	if p.rgw == nil {
		return err
	}
	cerr := p.rgw.Close()
	p.rgw, p.groupRows, p.groupSize = nil, 0, 0
	if err != nil {
		return err
	}
	return cerr
}

// encodeColumn encodes column c of recs into the open row group, in the
// bytes one call with the column of every record concatenated would
// give; s is the calling goroutine's scratch space.
//
// A column writer cuts what one call gives it into batches of
// WriteBatchSize rows from the start of the call, and checks the page
// size limit after each batch; so the run is written one batch per call,
// batches counted from the run's start, which makes the same pages. Only
// a batch that spans records is concatenated (at most WriteBatchSize
// rows); the others are slices of one record. Before, the whole run was
// concatenated: a copy of every row of every run, about 15% of the
// encoding's CPU, and a run's worth of memory more in flight.
func (p *ParquetWriter) encodeColumn(ctx context.Context, recs []arrow.Record, c int, s *scratch) error {
	if len(recs) == 1 {
		return p.writeColumn(ctx, p.rgw, recs[0].Column(c), c, s)
	}
	i, off := 0, int64(0) // the next row: record i, row off
	for i < len(recs) {
		parts := s.parts[:0]
		for need := p.batchRows; need > 0 && i < len(recs); {
			n := recs[i].NumRows()
			take := min(need, n-off)
			parts = append(parts, array.NewSlice(recs[i].Column(c), off, off+take))
			need -= take
			if off += take; off == n {
				i, off = i+1, 0
			}
		}
		s.parts = parts
		err := p.writeParts(ctx, parts, c, s)
		for k, a := range parts {
			a.Release()
			parts[k] = nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeParts writes the arrays of parts, one batch of a run, as one
// column array: concatenated if there are several.
func (p *ParquetWriter) writeParts(ctx context.Context, parts []arrow.Array, c int, s *scratch) error {
	if len(parts) == 1 {
		return p.writeColumn(ctx, p.rgw, parts[0], c, s)
	}
	col, err := array.Concatenate(parts, p.runs)
	if err != nil {
		return err
	}
	defer col.Release()
	return p.writeColumn(ctx, p.rgw, col, c, s)
}

// writeColumn encodes col, column c of a record, into the row group's
// column chunk writer; s is the calling goroutine's scratch space.
func (p *ParquetWriter) writeColumn(ctx context.Context, rgw file.BufferedRowGroupWriter, col arrow.Array, c int, s *scratch) error {
	cw, err := rgw.Column(c)
	if err != nil {
		return err
	}
	nullable := p.proj.out.Field(c).Nullable
	var levels []int16
	if nullable {
		// Flat column: level 1 for a value, 0 for a null.
		s.def = slices.Grow(s.def[:0], col.Len())[:col.Len()]
		for i := range s.def {
			s.def[i] = 1
		}
		if col.NullN() > 0 {
			for i := range s.def {
				if col.IsNull(i) {
					s.def[i] = 0
				}
			}
		}
		levels = s.def
	}
	if bw, ok := cw.(*file.ByteArrayColumnChunkWriter); ok && !bw.SupportsArrowOffsets() {
		if str, ok := col.(*array.String); ok {
			return s.writeStrings(bw, str, levels)
		}
	}
	return pqarrow.WriteArrowToColumn(ctx, cw, col, levels, nil, nullable)
}

// Close waits for the encoding, closes the last row group and writes the
// footer. It does not close the underlying io.Writer. Calling Close twice
// is a no-op.
func (p *ParquetWriter) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	err := p.closeGroup()
	if p.jobs != nil {
		close(p.jobs)
	}
	if cerr := p.fw.Close(); err == nil {
		err = cerr
	}
	p.runs.Close()
	if err != nil {
		return fmt.Errorf("close parquet: %w", err)
	}
	return nil
}

// checkParquetSchema rejects unsigned integers, extension types and
// timestamps without a time zone, at any nesting depth.
func checkParquetSchema(s *arrow.Schema) error {
	for _, f := range s.Fields() {
		if err := checkParquetType(f.Type); err != nil {
			return fmt.Errorf("column %q: %w", f.Name, err)
		}
	}
	return nil
}

func checkParquetType(dt arrow.DataType) error {
	switch t := dt.(type) {
	case *arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type, *arrow.Uint64Type:
		return fmt.Errorf("%w: %s", ErrUnsignedType, dt)
	case arrow.ExtensionType:
		return fmt.Errorf("%w: %s", ErrExtensionType, t.ExtensionName())
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return ErrNaiveTimestamp
		}
	case *arrow.DictionaryType:
		// Parquet stores the values; the (possibly unsigned) index type is
		// an Arrow detail that does not reach the file.
		return checkParquetType(t.ValueType)
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if err := checkParquetType(f.Type); err != nil {
				return err
			}
		}
	}
	return nil
}

// recordSize estimates the bytes of Arrow data in r: validity bitmaps,
// fixed-width values and, for strings, offsets plus the referenced bytes.
// Unlike summing buffer lengths, it counts only what a slice covers.
func recordSize(r arrow.Record) int64 {
	var sum int64
	for _, c := range r.Columns() {
		sum += arraySize(c)
	}
	return sum
}

func arraySize(a arrow.Array) int64 {
	n := int64(a.Len())
	size := (n + 7) / 8 // validity
	switch a := a.(type) {
	case *array.String:
		if n > 0 {
			size += int64(a.ValueOffset(int(n)-1)+len(a.Value(int(n)-1))-a.ValueOffset(0)) + 4*n
		}
	case *array.LargeString:
		if n > 0 {
			size += a.ValueOffset(int(n)-1) + int64(len(a.Value(int(n)-1))) - a.ValueOffset(0) + 8*n
		}
	case *array.Binary:
		if n > 0 {
			size += int64(a.ValueOffset(int(n)-1)+a.ValueLen(int(n)-1)-a.ValueOffset(0)) + 4*n
		}
	case *array.Dictionary:
		size += arraySize(a.Indices())
	default:
		if fw, ok := a.DataType().(arrow.FixedWidthDataType); ok {
			size += n * int64(fw.BitWidth()) / 8
		} else {
			for _, b := range a.Data().Buffers() {
				if b != nil {
					size += int64(b.Len())
				}
			}
			for _, child := range a.Data().Children() {
				size += int64(child.Len()) // rough: nested types are rare here
			}
		}
	}
	return size
}
