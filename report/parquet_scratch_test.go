package report

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestWriteStringsAsPqarrow: scratch.writeStrings writes a string column
// to a dictionary-encoded column chunk in the same bytes as
// pqarrow.WriteArrowToColumn, with and without nulls, sliced, empty.
func TestWriteStringsAsPqarrow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		nullable bool
		n        int
		null     func(i int) bool
		off, len int // slice of the built column; len 0: whole
	}{
		{name: "required", n: 5000},
		{name: "nullable, no nulls", nullable: true, n: 5000},
		{name: "nulls", nullable: true, n: 5000, null: func(i int) bool { return i%7 == 3 }},
		{name: "all null", nullable: true, n: 300, null: func(int) bool { return true }},
		{name: "sliced", nullable: true, n: 5000, null: func(i int) bool { return i%5 == 0 }, off: 1237, len: 2100},
		{name: "empty strings", n: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := array.NewStringBuilder(mem)
			for i := range tc.n {
				switch {
				case tc.null != nil && tc.null(i):
					b.AppendNull()
				case tc.name == "empty strings":
					b.Append("")
				default:
					b.Append(fmt.Sprintf("v-%d", i%61))
				}
			}
			col := b.NewStringArray()
			b.Release()
			defer col.Release()
			if tc.len > 0 {
				s := array.NewSlice(col, int64(tc.off), int64(tc.off+tc.len)).(*array.String)
				defer s.Release()
				col = s
			}
			want := encodeStringColumn(t, mem, col, tc.nullable, false)
			got := encodeStringColumn(t, mem, col, tc.nullable, true)
			if !bytes.Equal(got, want) {
				t.Fatalf("writeStrings wrote %d bytes unlike pqarrow's %d", len(got), len(want))
			}
		})
	}
}

// encodeStringColumn writes col as the one column of a Parquet file with
// dictionary encoding, by writeStrings or by pqarrow.
func encodeStringColumn(t *testing.T, mem memory.Allocator, col *array.String, nullable, scratchPath bool) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: nullable}}, nil)
	props := parquet.NewWriterProperties(parquet.WithAllocator(mem), parquet.WithDictionaryDefault(true), parquet.WithStats(true))
	arrProps := pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem))
	pqs, err := pqarrow.ToParquet(schema, props, arrProps)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	fw := file.NewParquetWriter(&buf, pqs.Root(), file.WithWriterProps(props))
	rgw := fw.AppendBufferedRowGroup()
	cw, err := rgw.Column(0)
	if err != nil {
		t.Fatal(err)
	}
	var def []int16
	if nullable {
		def = make([]int16, col.Len())
		for i := range def {
			if col.IsValid(i) {
				def[i] = 1
			}
		}
	}
	if scratchPath {
		bw := cw.(*file.ByteArrayColumnChunkWriter)
		if bw.SupportsArrowOffsets() {
			t.Fatal("the dictionary encoder takes Arrow offsets: writeStrings is not needed")
		}
		var s scratch
		err = s.writeStrings(bw, col, def)
	} else {
		err = pqarrow.WriteArrowToColumn(pqarrow.NewArrowWriteContext(context.Background(), &arrProps), cw, col, def, nil, nullable)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := rgw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParquetRunBatches: a run of records is written one WriteBatchSize
// batch per call (encodeColumn), which must give the bytes of the same
// rows written as one record, for any cut of the rows into records.
func TestParquetRunBatches(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "plain", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
		{Name: "b", Type: &arrow.BooleanType{}, Nullable: true},
	}, nil)
	for _, tc := range []struct {
		name string
		cuts []int // rows of each record; under minEncodeRows in all, so one run
	}{
		{"even", []int{1024, 1024, 1024}},
		{"walk order", []int{700, 1, 1500, 300, 523}},
		{"tiny", []int{1, 2, 3, 4, 5, 1000, 7}},
		{"one big, one small", []int{3000, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			total := 0
			for _, n := range tc.cuts {
				total += n
			}
			whole := runRows(mem, schema, 0, total)
			defer whole.Release()
			var recs []arrow.Record
			off := 0
			for _, n := range tc.cuts {
				recs = append(recs, whole.NewSlice(int64(off), int64(off+n)))
				off += n
			}
			defer func() {
				for _, r := range recs {
					r.Release()
				}
			}()
			want := writeRun(t, mem, schema, whole)
			got := writeRun(t, mem, schema, recs...)
			if !bytes.Equal(got, want) {
				t.Fatalf("records %v: %d bytes, one record: %d", tc.cuts, len(got), len(want))
			}
		})
	}
}

// writeRun writes recs with one encoding goroutine, column "plain"
// without a dictionary.
func writeRun(t *testing.T, mem memory.Allocator, schema *arrow.Schema, recs ...arrow.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewParquetWriter(&buf, schema, Options{Allocator: mem, EncodeWorkers: 1, PlainColumns: []string{"plain"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// runRows builds rows [from, to) of a record of schema's four columns,
// with nulls.
func runRows(mem memory.Allocator, schema *arrow.Schema, from, to int) arrow.Record {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := from; i < to; i++ {
		if i%11 == 0 {
			b.Field(0).AppendNull()
			b.Field(1).AppendNull()
			b.Field(3).AppendNull()
		} else {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("v-%d", i%37))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf(`{"doc":%d,"pad":"%0200d"}`, i, i))
			b.Field(3).(*array.BooleanBuilder).Append(i%3 == 0)
		}
		b.Field(2).(*array.Int64Builder).Append(int64(i))
	}
	return b.NewRecord()
}
