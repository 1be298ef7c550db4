package facts_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
)

// dump renders a Set as text, one line per row, rows in record order.
func dump(t *testing.T, s *facts.Set) string {
	t.Helper()
	var b strings.Builder
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		fmt.Fprintf(&b, "# %s\n", tb)
		for _, rec := range s.Records[tb] {
			v, err := facts.NewView(tb, rec)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < v.N; i++ {
				for c, col := range facts.Columns(tb) {
					if c > 0 {
						b.WriteByte('|')
					}
					switch col.Kind {
					case facts.Str:
						b.WriteString(v.Str(c, i))
					case facts.Bool:
						fmt.Fprint(&b, v.Bool(c, i))
					default:
						fmt.Fprint(&b, v.Int(c, i))
					}
				}
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}

func aggregate(t testing.TB, mem memory.Allocator, paths []string, workers int, opts facts.Options) (*facts.Set, *facts.Aggregator, *ingest.Result) {
	t.Helper()
	set := &facts.Set{}
	agg := facts.NewAggregator(mem, opts, set)
	res, err := ingest.Run(context.Background(), paths, ingest.Options{Mem: mem, Workers: workers}, agg)
	if err != nil {
		t.Fatal(err)
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	return set, agg, res
}

func sum(t *testing.T, s *facts.Set, tb facts.Table, col int) int64 {
	t.Helper()
	var n int64
	for _, rec := range s.Records[tb] {
		v, err := facts.NewView(tb, rec)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < v.N; i++ {
			n += v.Int(col, i)
		}
	}
	return n
}

// TestAggregatorDemo checks the accounting of the demo's facts and that
// sorted output does not depend on the number of workers.
func TestAggregatorDemo(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var first string
	for _, w := range []int{1, 2, 4} {
		set, agg, res := aggregate(t, mem, []string{"../testdata/demo/cloudtrail"}, w, facts.Options{Sorted: true})
		used := res.Stats[ingest.KindCloudTrail].Used
		if got := sum(t, set, facts.EventAccounts, facts.EAEvents); got != used || agg.EventCount() != used {
			t.Errorf("workers=%d: event_accounts.events = %d, aggregator saw %d, ingest used %d", w, got, agg.EventCount(), used)
		}
		for tb := facts.Table(0); tb < facts.Manifest; tb++ {
			if set.Rows(tb) != agg.Rows()[tb] {
				t.Errorf("%s: set has %d rows, Rows says %d", tb, set.Rows(tb), agg.Rows()[tb])
			}
			if tb != facts.Principals && set.Rows(tb) == 0 {
				t.Errorf("%s: no rows from the demo", tb)
			}
		}
		d := dump(t, set)
		set.Release()
		if w == 1 {
			first = d
		} else if d != first {
			t.Errorf("workers=%d: sorted facts differ from workers=1", w)
		}
	}
}

// TestAggregatorFlush checks that partial flushes keep every call: the
// folded totals equal those of one flush at the end.
func TestAggregatorFlush(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	whole, _, _ := aggregate(t, mem, []string{"../testdata/demo/cloudtrail"}, 2, facts.Options{})
	defer whole.Release()
	parts, _, _ := aggregate(t, mem, []string{"../testdata/demo/cloudtrail"}, 1, facts.Options{MaxGroups: 3, BatchRows: 2})
	defer parts.Release()
	for _, c := range []struct {
		tb  facts.Table
		col int
	}{{facts.KeyUse, facts.KUCalls}, {facts.SessionUse, facts.SUCalls}, {facts.EventAccounts, facts.EAEvents}} {
		if a, b := sum(t, whole, c.tb, c.col), sum(t, parts, c.tb, c.col); a != b || a == 0 {
			t.Errorf("%s: %d calls in one flush, %d with partial flushes", c.tb, a, b)
		}
	}
	for _, tb := range []facts.Table{facts.STSIssue, facts.KeyLifecycle, facts.Principals} {
		if a, b := whole.Rows(tb), parts.Rows(tb); a != b {
			t.Errorf("%s: %d rows in one flush, %d with partial flushes", tb, a, b)
		}
	}
	if parts.Rows(facts.KeyUse) <= whole.Rows(facts.KeyUse) {
		t.Errorf("MaxGroups 3 did not flush early: %d key_use rows, %d in one flush", parts.Rows(facts.KeyUse), whole.Rows(facts.KeyUse))
	}
}

func TestViewRejectsOtherSchema(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set, _, _ := aggregate(t, mem, []string{"../testdata/demo/cloudtrail"}, 1, facts.Options{})
	defer set.Release()
	var rec arrow.Record = set.Records[facts.Principals][0]
	if _, err := facts.NewView(facts.KeyUse, rec); err == nil {
		t.Fatal("a principals record passed as key_use")
	}
}

// TestAggregatorSkip: skipped tables are not emitted; the others are as
// without Skip.
func TestAggregatorSkip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	all, _, _ := aggregate(t, mem, []string{"../testdata/demo/cloudtrail"}, 1, facts.Options{Sorted: true})
	defer all.Release()
	some, agg, _ := aggregate(t, mem, []string{"../testdata/demo/cloudtrail"}, 1, facts.Options{Sorted: true, Skip: []facts.Table{facts.KeyUse, facts.KeyLifecycle}})
	defer some.Release()
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		skipped := tb == facts.KeyUse || tb == facts.KeyLifecycle
		if skipped && (some.Rows(tb) != 0 || agg.Rows()[tb] != 0) {
			t.Errorf("%s: skipped, but %d rows emitted", tb, some.Rows(tb))
		}
		if !skipped && some.Rows(tb) != all.Rows(tb) {
			t.Errorf("%s: %d rows with Skip, %d without", tb, some.Rows(tb), all.Rows(tb))
		}
	}
	for _, s := range []*facts.Set{all, some} {
		for _, tb := range []facts.Table{facts.KeyUse, facts.KeyLifecycle} {
			for _, r := range s.Records[tb] {
				r.Release()
			}
			s.Records[tb] = nil
		}
	}
	if dump(t, all) != dump(t, some) {
		t.Error("the tables not skipped differ from those of an Aggregator without Skip")
	}
}
