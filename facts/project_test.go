package facts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// canon folds fact rows to a canonical text: usage rows grouped by grain
// (calls summed, first min, last max), event_accounts by recipient,
// principals as a set, event rows as a sorted multiset.
type canon struct {
	rows [NumTables]map[string][3]int64
}

func (c *canon) FactView(v *View) error {
	cols := Columns(v.Table)
	agg := 0 // trailing aggregate columns
	switch v.Table {
	case KeyUse, SessionUse:
		agg = 3
	case EventAccounts:
		agg = 3
	}
	if c.rows[v.Table] == nil {
		c.rows[v.Table] = map[string][3]int64{}
	}
	for i := 0; i < v.N; i++ {
		var b strings.Builder
		for k, col := range cols[:len(cols)-agg] {
			switch col.Kind {
			case Str:
				b.WriteString(v.Str(k, i))
			case Bool:
				fmt.Fprint(&b, v.Bool(k, i))
			default:
				fmt.Fprint(&b, v.Int(k, i))
			}
			b.WriteByte('|')
		}
		key := b.String()
		cur, seen := c.rows[v.Table][key]
		if agg == 0 {
			if v.Table == Principals {
				cur[0] = 1
			} else {
				cur[0]++
			}
		} else {
			n, f, l := v.Int(len(cols)-3, i), v.Int(len(cols)-2, i), v.Int(len(cols)-1, i)
			cur[0] += n
			if !seen || f < cur[1] {
				cur[1] = f
			}
			cur[2] = max(cur[2], l)
		}
		c.rows[v.Table][key] = cur
	}
	return nil
}

func (c *canon) String() string {
	var b strings.Builder
	for t := Table(0); t < Manifest; t++ {
		var lines []string
		for k, v := range c.rows[t] {
			lines = append(lines, fmt.Sprintf("%s %v", k, v))
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "# %s %d\n%s\n", t, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// TestProjectorMatchesAggregator: the one-event rows the Projector shows
// fold to the facts the Aggregator groups, on the demo and a ctgen
// corpus with duplicates.
func TestProjectorMatchesAggregator(t *testing.T) {
	dir := t.TempDir()
	g, err := ctgen.New(ctgen.Config{Events: 20000, Files: 20, Accounts: 3, Seed: 5, Dups: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	for _, paths := range [][]string{{"../testdata/demo/cloudtrail"}, {dir}} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		direct, grouped := &canon{}, &canon{}
		p := NewProjector([]ViewSink{direct})
		agg := NewAggregator(mem, Options{MaxGroups: 500}, SinkOf(grouped))
		both := fanout{p, agg}
		if _, err := ingest.Run(context.Background(), paths, ingest.Options{Mem: mem, Workers: 1}, both); err != nil {
			t.Fatal(err)
		}
		if err := agg.Close(); err != nil {
			t.Fatal(err)
		}
		if d, a := direct.String(), grouped.String(); d != a {
			t.Errorf("%v: projected and aggregated facts differ:\n%.2000s\n---\n%.2000s", paths, d, a)
		}
		if p.EventCount() != agg.EventCount() || p.EventCount() == 0 {
			t.Errorf("%v: projector saw %d events, aggregator %d", paths, p.EventCount(), agg.EventCount())
		}
		mem.AssertSize(t, 0)
	}
}

type fanout []ingest.EventSink

func (f fanout) Events(rec arrow.Record) error {
	for _, s := range f {
		if err := s.Events(rec); err != nil {
			return err
		}
	}
	return nil
}
