package report

import (
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkWriters measures each format on 8192-row records of the
// fixture schema; b.SetBytes reports input rows as "bytes" so MB/s reads
// as million rows per second.
func BenchmarkWriters(b *testing.B) {
	mem := memory.NewGoAllocator()
	rows := make([]fixtureRow, 0, 8192)
	for len(rows) < cap(rows) {
		rows = append(rows, fixtureRows[len(rows)%len(fixtureRows)])
	}
	rec := buildRecord(b, mem, rows)
	defer rec.Release()
	for _, format := range []string{FormatCSV, FormatJSON, FormatNDJSON, FormatParquet} {
		b.Run(format, func(b *testing.B) {
			w, err := NewWriter(format, io.Discard, fixtureSchema, Options{Allocator: mem})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(rec.NumRows())
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := w.Write(rec); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}
