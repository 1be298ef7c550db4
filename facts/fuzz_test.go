package facts

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzCSVFacts feeds the CSV fact reader arbitrary files: it may refuse
// them, with an error, but never panics or leaks, and what it accepts has
// the canonical schema with "" as null and no null where none may be.
// Seeds: testdata/csv (one file per table, and Athena-style text).
func FuzzCSVFacts(f *testing.F) {
	seeds, err := filepath.Glob("testdata/csv/*.csv")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata/csv: %v", err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		cr, header, err := csvHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for tb := Table(0); tb < NumTables; tb++ {
			p := &plan{src: source{path: "fuzz.csv", csv: true}, table: tb, names: header, rows: -1}
			if p.mapColumns() != nil {
				continue
			}
			r := Reader{Mem: mem, BatchRows: 3}
			_ = r.streamCSV(context.Background(), p, cr, func(rec arrow.Record) error {
				v, err := NewView(tb, rec)
				if err != nil {
					t.Fatalf("a %s record without the canonical schema: %v", tb, err)
				}
				for c, col := range Columns(tb) {
					a := rec.Column(c)
					for i := 0; i < v.N; i++ {
						if a.IsNull(i) && col.Kind != Str && col.Kind != Time {
							t.Fatalf("%s.%s row %d: null in a %s column", tb, col.Name, i, col.Kind)
						}
						if col.Kind == Str && a.IsValid(i) && v.Str(c, i) == "" {
							t.Fatalf("%s.%s row %d: an empty string that is not null", tb, col.Name, i)
						}
					}
				}
				return nil
			})
			return
		}
	})
}
