package facts_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// viewDump is a ViewSink writing every row it is shown as dump does.
type viewDump struct {
	tables [facts.NumTables]strings.Builder
}

func (d *viewDump) FactView(v *facts.View) error {
	b := &d.tables[v.Table]
	for i := 0; i < v.N; i++ {
		for c, col := range facts.Columns(v.Table) {
			if c > 0 {
				b.WriteByte('|')
			}
			switch col.Kind {
			case facts.Str:
				b.WriteString(v.Str(c, i))
			case facts.Bool:
				fmt.Fprint(b, v.Bool(c, i))
			default:
				fmt.Fprint(b, v.Int(c, i))
			}
		}
		b.WriteByte('\n')
	}
	return nil
}

func (d *viewDump) String() string {
	var b strings.Builder
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		fmt.Fprintf(&b, "# %s\n%s", tb, d.tables[tb].String())
	}
	return b.String()
}

// TestReadViews: sinks that take Views (SinkOf) are shown the files'
// columns directly, string columns as the dictionaries Parquet holds;
// they see the rows, in the order, canonical records hold, whatever the
// batch size and row groups (each with its own dictionary), from
// Parquet and from CSV.
func TestReadViews(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	corpus := t.TempDir()
	g, err := ctgen.New(ctgen.Config{Events: 5000, Files: 5, Accounts: 3, Seed: 9, Dups: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteTo(corpus); err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	var dirs []string
	batches := map[string][]int{}
	for i, paths := range [][]string{{demo}, {corpus}} {
		set, _, _ := aggregate(t, mem, paths, 2, facts.Options{Sorted: true})
		small, whole := filepath.Join(base, fmt.Sprint("small", i)), filepath.Join(base, fmt.Sprint("whole", i))
		writeSet(t, mem, set, small, facts.WriterOptions{RowGroupBytes: 2 << 10})
		writeSet(t, mem, set, whole, facts.WriterOptions{})
		pf, err := file.OpenParquetFile(filepath.Join(small, "key_use.parquet"), false)
		if err != nil {
			t.Fatal(err)
		}
		if pf.NumRowGroups() < 2 {
			t.Errorf("%s: %d row groups, want several", small, pf.NumRowGroups())
		}
		pf.Close()
		csvDir := filepath.Join(base, fmt.Sprint("csv", i))
		textOf(t, set, "").write(t, csvDir)
		set.Release()
		dirs = append(dirs, small, whole, csvDir)
		for _, d := range []string{small, whole, csvDir} {
			batches[d] = []int{1000, 0}
			if i == 0 {
				batches[d] = []int{7, 1000, 0}
			}
		}
	}
	for _, dir := range dirs {
		for _, batch := range batches[dir] {
			recs, st := readSet(t, mem, batch, dir)
			want := dump(t, recs)
			recs.Release()
			if st.Rows(facts.KeyUse) == 0 || st.Rows(facts.STSIssue) == 0 {
				t.Fatalf("%s: no rows: %+v", dir, st.Sets)
			}
			d := &viewDump{}
			st2, err := facts.Reader{Mem: mem, BatchRows: batch}.Read(context.Background(), []string{dir}, facts.SinkOf(d))
			if err != nil {
				t.Fatal(err)
			}
			if got := d.String(); got != want {
				t.Errorf("%s batch %d: views differ from records:\n%s", filepath.Base(dir), batch, firstDiff(got, want))
			}
			if fmt.Sprint(st2) != fmt.Sprint(st) {
				t.Errorf("%s batch %d: stats %+v, want %+v", filepath.Base(dir), batch, st2, st)
			}
		}
	}
}
