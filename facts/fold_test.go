package facts_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// TestFoldFacts checks that folding fact rows gives the facts of the events
// behind them: the demo's files aggregated one by one (one group of rows
// per file, as the fact cache keeps them) and then folded by a sorted
// Aggregator equal one sorted Aggregator over all the events, with every
// flush size (partial folds repeat grain rows; a second fold removes them).
func TestFoldFacts(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	// A generated S3 tree without duplicate events: aggregating its files
	// one by one counts what one run counts.
	tree := t.TempDir()
	g, err := ctgen.New(ctgen.Config{Events: 3000, Files: 12, Accounts: 2, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteTo(tree); err != nil {
		t.Fatal(err)
	}
	want, _, _ := aggregate(t, mem, []string{tree}, 1, facts.Options{Sorted: true})
	defer want.Release()
	files, _ := ingest.Walk(context.Background(), []string{tree})
	if len(files) < 2 {
		t.Fatalf("demo files: %v", files)
	}
	parts := &facts.Set{}
	defer parts.Release()
	for _, f := range files {
		agg := facts.NewAggregator(mem, facts.Options{}, parts)
		if _, err := ingest.Run(context.Background(), []string{f}, ingest.Options{Mem: mem, Workers: 1}, agg); err != nil {
			t.Fatal(err)
		}
		if err := agg.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if parts.Rows(facts.KeyUse) <= want.Rows(facts.KeyUse) {
		t.Fatalf("per-file key_use rows %d, whole-run %d: the test folds nothing", parts.Rows(facts.KeyUse), want.Rows(facts.KeyUse))
	}
	for _, maxGroups := range []int{-1, 3} {
		partial := &facts.Set{}
		agg := facts.NewAggregator(mem, facts.Options{MaxGroups: maxGroups}, partial)
		if err := parts.Replay(agg); err != nil {
			t.Fatal(err)
		}
		if err := agg.Close(); err != nil {
			t.Fatal(err)
		}
		got := &facts.Set{}
		sorted := facts.NewAggregator(mem, facts.Options{Sorted: true, MaxGroups: -1}, got)
		if err := partial.Replay(sorted); err != nil {
			t.Fatal(err)
		}
		if err := sorted.Close(); err != nil {
			t.Fatal(err)
		}
		if g, w := dump(t, got), dump(t, want); g != w {
			t.Errorf("MaxGroups %d: folded facts differ from the whole run's:\n got %s\nwant %s", maxGroups, g, w)
		}
		if maxGroups < 0 && partial.Rows(facts.KeyUse) != want.Rows(facts.KeyUse) {
			t.Errorf("one fold: %d key_use rows, want %d", partial.Rows(facts.KeyUse), want.Rows(facts.KeyUse))
		}
		partial.Release()
		got.Release()
	}
}
