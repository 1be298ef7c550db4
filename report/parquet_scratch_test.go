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
