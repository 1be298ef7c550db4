package factstest_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/factstest"
)

func TestShuffleKeepsRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := &facts.Set{}
	agg := facts.NewAggregator(mem, facts.Options{}, set)
	if _, err := ingest.Run(context.Background(), []string{"../../testdata/demo/cloudtrail"}, ingest.Options{Mem: mem, Workers: 1}, agg); err != nil {
		t.Fatal(err)
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	defer set.Release()
	sh, err := factstest.Shuffle(mem, set, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Release()
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		if set.Rows(tb) != sh.Rows(tb) {
			t.Errorf("%s: %d rows, %d after Shuffle", tb, set.Rows(tb), sh.Rows(tb))
		}
	}
	n := 0
	if err := factstest.ReplayShuffled(sh, 2, sinkFunc(func(facts.Table) { n++ })); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("ReplayShuffled delivered nothing")
	}
}

type sinkFunc func(facts.Table)

func (f sinkFunc) Facts(t facts.Table, _ arrow.Record) error { f(t); return nil }
