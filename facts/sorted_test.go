package facts

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest"
)

// TestSortedOrder checks that Sorted output is strictly increasing under
// compareRows, the documented order, whatever comparator produced it.
func TestSortedOrder(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := &Set{}
	defer set.Release()
	agg := NewAggregator(mem, Options{Sorted: true, BatchRows: 5}, set)
	if _, err := ingest.Run(context.Background(), []string{"../testdata/demo/cloudtrail"}, ingest.Options{Mem: mem}, agg); err != nil {
		t.Fatal(err)
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	for tb := Table(0); tb < Manifest; tb++ {
		var prev []val
		n := 0
		for _, rec := range set.Records[tb] {
			v, err := NewView(tb, rec)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < v.N; i++ {
				row := make([]val, len(Columns(tb)))
				for c, col := range Columns(tb) {
					switch col.Kind {
					case Str:
						row[c] = strVal(v.Str(c, i))
					case Bool:
						row[c] = val{ok: true}
						if v.Bool(c, i) {
							row[c].n = 1
						}
					case Time:
						row[c] = val{n: v.Int(c, i), ok: v.Int(c, i) != 0}
					default:
						row[c] = val{n: v.Int(c, i), ok: true}
					}
				}
				if prev != nil && compareRows(prev, row) > 0 {
					t.Fatalf("%s row %d is out of order:\n%v\n%v", tb, n, prev, row)
				}
				prev, n = row, n+1
			}
		}
	}
}
