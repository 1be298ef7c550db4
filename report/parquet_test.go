package report

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// writeOnly hides every method but Write: the Parquet writer must not need
// Seek, and must not close what it writes to.
type writeOnly struct{ buf *bytes.Buffer }

func (w writeOnly) Write(p []byte) (int, error) { return w.buf.Write(p) }

// writeParquet writes recs through a ParquetWriter to a non-seekable sink.
func writeParquet(t *testing.T, mem memory.Allocator, opts Options, recs ...arrow.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	opts.Allocator = mem
	w, err := NewWriter(FormatParquet, writeOnly{&buf}, fixtureSchema, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rows renders every row of tbl (or rec) through value, one string per row.
func tableRows(t *testing.T, tbl arrow.Table) []string {
	t.Helper()
	tr := array.NewTableReader(tbl, 3) // small chunks: exercises chunk boundaries
	defer tr.Release()
	var out []string
	for tr.Next() {
		out = append(out, recordRows(tr.Record())...)
	}
	return out
}

func recordRows(rec arrow.Record) []string {
	var out []string
	for r := 0; r < int(rec.NumRows()); r++ {
		var b bytes.Buffer
		for c := 0; c < int(rec.NumCols()); c++ {
			s, kind := value(rec.Column(c), r)
			fmt.Fprintf(&b, "%d:%q|", kind, s)
		}
		out = append(out, b.String())
	}
	return out
}

func TestParquetRoundTrip(t *testing.T) {
	tests := []struct {
		name          string
		nrecs         int
		rowGroupBytes int64
		wantGroups    int // 0: don't check
	}{
		{"one record", 1, 0, 1},
		{"many records one group", 20, 0, 1},
		// Each fixture record is a few hundred bytes of Arrow data, so a
		// 1 KiB limit closes a row group every few records.
		{"small row groups", 10, 1024, -1},
		// A limit below one record splits it across row groups.
		{"split records", 1, 64, -1},
		{"empty", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := checkedAlloc(t)
			var recs []arrow.Record
			var want []string
			for i := 0; i < tt.nrecs; i++ {
				rec := buildRecord(t, mem, fixtureRows[i%2:])
				defer rec.Release()
				recs = append(recs, rec)
				want = append(want, recordRows(rec)...)
			}
			data := writeParquet(t, mem, Options{RowGroupBytes: tt.rowGroupBytes}, recs...)

			tbl, err := ReadParquet(mem, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			assertSameFields(t, tbl.Schema(), fixtureSchema)
			got := tableRows(t, tbl)
			if len(got) != len(want) {
				t.Fatalf("read %d rows, wrote %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("row %d:\n got %s\nwant %s", i, got[i], want[i])
				}
			}

			pf, err := file.NewParquetReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			groups := pf.NumRowGroups()
			switch {
			case tt.wantGroups > 0 && groups != tt.wantGroups:
				t.Errorf("%d row groups, want %d", groups, tt.wantGroups)
			case tt.wantGroups < 0 && groups < 2:
				t.Errorf("%d row groups, want several (limit %d bytes)", groups, tt.rowGroupBytes)
			case tt.wantGroups == 0 && pf.NumRows() != 0:
				t.Errorf("%d rows in an empty file", pf.NumRows())
			}
		})
	}
}

// TestParquetFileSchema asserts what PARQUET.md asks of every file, from
// the footer: REQUIRED root, TIMESTAMP(MILLIS, UTC), no unsigned integers,
// plain utf8 strings, Snappy (or the codec asked for), format version 2.x.
func TestParquetFileSchema(t *testing.T) {
	for _, tt := range []struct {
		name string
		want compress.Compression
	}{{"", compress.Codecs.Snappy}, {CompressionSnappy, compress.Codecs.Snappy}, {CompressionZSTD, compress.Codecs.Zstd}} {
		t.Run("compression="+tt.name, func(t *testing.T) { checkParquetFile(t, tt.name, tt.want) })
	}
}

func checkParquetFile(t *testing.T, codec string, want compress.Compression) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows)
	defer rec.Release()
	data := writeParquet(t, mem, Options{Compression: codec}, rec)
	tbl, err := ReadParquet(mem, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := tableRows(t, tbl); !slices.Equal(got, recordRows(rec)) {
		t.Errorf("%s: rows read back differ:\n%v\nwant\n%v", codec, got, recordRows(rec))
	}
	tbl.Release()

	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	md := pf.MetaData()
	if got := md.Schema.Root().RepetitionType(); got != parquet.Repetitions.Required {
		t.Errorf("root repetition %s, want REQUIRED", got)
	}
	// The footer stores only the major version (2); the reader reports
	// it as the latest 2.x.
	if md.Version() == parquet.V1_0 {
		t.Errorf("format version %s, want 2.x", md.Version())
	}
	if md.KeyValueMetadata().FindValue("ARROW:schema") == nil {
		t.Error("Arrow schema not stored in the footer")
	}
	sawTimestamp := false
	for i := 0; i < md.Schema.NumColumns(); i++ {
		col := md.Schema.Column(i)
		switch lt := col.LogicalType().(type) {
		case schema.TimestampLogicalType:
			sawTimestamp = true
			if lt.TimeUnit() != schema.TimeUnitMillis || !lt.IsAdjustedToUTC() {
				t.Errorf("column %s: %s, want Timestamp(isAdjustedToUTC=true, timeUnit=milliseconds)", col.Name(), lt)
			}
			if col.PhysicalType() != parquet.Types.Int64 {
				t.Errorf("column %s: physical type %s, want INT64 (never INT96)", col.Name(), col.PhysicalType())
			}
		case schema.IntLogicalType:
			if !lt.IsSigned() {
				t.Errorf("column %s is unsigned: %s", col.Name(), lt)
			}
		case schema.StringLogicalType:
			if col.PhysicalType() != parquet.Types.ByteArray {
				t.Errorf("column %s: string stored as %s", col.Name(), col.PhysicalType())
			}
		}
		if col.PhysicalType() == parquet.Types.Int96 {
			t.Errorf("column %s is INT96", col.Name())
		}
	}
	if !sawTimestamp {
		t.Error("no timestamp column in the file")
	}
	for g := 0; g < pf.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			if cc.Compression() != want {
				t.Errorf("row group %d column %d compressed with %s, want %s", g, c, cc.Compression(), want)
			}
		}
	}
}

// assertSameFields compares names, types and nullability, ignoring the
// PARQUET:field_id metadata the reader adds.
func assertSameFields(t *testing.T, got, want *arrow.Schema) {
	t.Helper()
	if got.NumFields() != want.NumFields() {
		t.Fatalf("schema read back:\n%s\nwant:\n%s", got, want)
	}
	for i, w := range want.Fields() {
		g := got.Field(i)
		if g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) || g.Nullable != w.Nullable {
			t.Errorf("field %d read back as %s, want %s", i, g, w)
		}
	}
}

func TestParquetColumns(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows)
	defer rec.Release()
	data := writeParquet(t, mem, Options{Columns: []string{"last_used", "user"}}, rec)
	tbl, err := ReadParquet(mem, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumCols() != 2 || tbl.Schema().Field(0).Name != "last_used" || tbl.Schema().Field(1).Name != "user" {
		t.Fatalf("columns read back: %s", tbl.Schema())
	}
	if tbl.NumRows() != int64(len(fixtureRows)) {
		t.Errorf("%d rows, want %d", tbl.NumRows(), len(fixtureRows))
	}
}

func TestParquetRejects(t *testing.T) {
	ext := arrow.NewSchema([]arrow.Field{{Name: "e", Type: newTestExt()}}, nil)
	nested := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.StructOf(
		arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Uint64})}}, nil)
	plain := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	tests := []struct {
		name   string
		schema *arrow.Schema
		opts   Options
		want   error
	}{
		{"extension", ext, Options{}, ErrExtensionType},
		{"nested unsigned", nested, Options{}, ErrUnsignedType},
		{"unknown codec", plain, Options{Compression: "lzo"}, ErrUnknownCompression},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewParquetWriter(&bytes.Buffer{}, tt.schema, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// testExt is a minimal extension type over utf8.
type testExt struct{ arrow.ExtensionBase }

func newTestExt() *testExt {
	return &testExt{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}}
}

func (*testExt) ArrayType() reflect.Type { return reflect.TypeOf(array.ExtensionArrayBase{}) }
func (*testExt) ExtensionName() string   { return "keyaudit.test" }
func (*testExt) Serialize() string       { return "" }
func (e *testExt) ExtensionEquals(o arrow.ExtensionType) bool {
	return o.ExtensionName() == e.ExtensionName()
}
func (*testExt) Deserialize(arrow.DataType, string) (arrow.ExtensionType, error) {
	return newTestExt(), nil
}

// TestParquetBytesDeterministic: the same rows give the same bytes. With a
// column whose dictionary outgrows the default page size limit, Arrow Go
// wrote its two data encodings' stats in map order, so runs differed.
func TestParquetBytesDeterministic(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.BinaryTypes.String}}, nil)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewStringBuilder(mem)
	for i := range 120_000 {
		b.Append(fmt.Sprintf("event-%08d-%032x", i, i*7919))
	}
	col := b.NewArray()
	b.Release()
	rec := array.NewRecord(schema, []arrow.Array{col}, int64(col.Len()))
	col.Release()
	defer rec.Release()
	var first []byte
	for run := range 6 {
		var buf bytes.Buffer
		w, err := NewParquetWriter(&buf, schema, Options{Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			first = buf.Bytes()
		} else if !bytes.Equal(first, buf.Bytes()) {
			t.Fatalf("run %d wrote different bytes (%d vs %d)", run, buf.Len(), len(first))
		}
	}
}

// TestParquetRuns writes many small records, which the writer gathers into
// runs of minEncodeRows rows and encodes concatenated, with row groups cut
// part way through a run; every row must come back in order, and every
// buffer must be released.
func TestParquetRuns(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	for _, limit := range []int64{0, 100 << 10} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			const nrecs, rows = 40, 700 // 28,000 rows: runs of 4,200 and a rest
			var buf bytes.Buffer
			w, err := NewParquetWriter(&buf, schema, Options{Allocator: mem, RowGroupBytes: limit})
			if err != nil {
				t.Fatal(err)
			}
			for r := range nrecs {
				b := array.NewRecordBuilder(mem, schema)
				for i := range rows {
					n := r*rows + i
					if n%13 == 0 {
						b.Field(0).AppendNull()
					} else {
						b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("id-%d", n%97))
					}
					b.Field(1).(*array.Int64Builder).Append(int64(n))
				}
				rec := b.NewRecord()
				b.Release()
				if err := w.Write(rec); err != nil {
					t.Fatal(err)
				}
				rec.Release() // the writer retains what it still needs
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			tbl, err := ReadParquet(mem, bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer tbl.Release()
			if tbl.NumRows() != nrecs*rows {
				t.Fatalf("read %d rows, wrote %d", tbl.NumRows(), nrecs*rows)
			}
			tr := array.NewTableReader(tbl, 1000)
			defer tr.Release()
			n := 0
			for tr.Next() {
				rec := tr.Record()
				ids, ns := rec.Column(0).(*array.String), rec.Column(1).(*array.Int64)
				for i := range int(rec.NumRows()) {
					if ns.Value(i) != int64(n) {
						t.Fatalf("row %d: n = %d", n, ns.Value(i))
					}
					want := fmt.Sprintf("id-%d", n%97)
					if n%13 == 0 {
						want = ""
					}
					if got := ids.Value(i); got != want || ids.IsNull(i) != (n%13 == 0) {
						t.Fatalf("row %d: id %q (null %v), want %q", n, got, ids.IsNull(i), want)
					}
					n++
				}
			}
			pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			if limit > 0 && pf.NumRowGroups() < 2 {
				t.Errorf("%d row groups with a %d-byte limit", pf.NumRowGroups(), limit)
			}
		})
	}
}
