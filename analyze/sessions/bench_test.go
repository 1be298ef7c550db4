package sessions

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// keep is an EventSink that retains every record it is given.
type keep struct{ recs []arrow.Record }

func (k *keep) Events(rec arrow.Record) error {
	rec.Retain()
	k.recs = append(k.recs, rec)
	return nil
}

func (k *keep) release() {
	for _, r := range k.recs {
		r.Release()
	}
	k.recs = nil
}

// corpusRecords ingests a generated corpus (internal/ctgen: stable keys,
// role chains, console sessions, cross-account copies) into records kept
// in memory. The caller releases them.
func corpusRecords(tb testing.TB, mem memory.Allocator, cfg ctgen.Config) (*keep, int64) {
	tb.Helper()
	g, err := ctgen.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if _, err := g.WriteTo(dir); err != nil {
		tb.Fatal(err)
	}
	k := &keep{}
	res, err := ingest.Run(context.Background(), []string{dir}, ingest.Options{Mem: mem, Workers: 2}, k)
	if err != nil {
		tb.Fatal(err)
	}
	return k, res.Stats[ingest.KindCloudTrail].Used
}

// BenchmarkBuilderCorpus measures a whole Builder (Add over every record,
// then Finish) over a 20,000-event generated corpus, where most calls are
// signed with long-term keys, as in a real trail
// (go test -run '^$' -bench BuilderCorpus ./analyze/sessions/).
func BenchmarkBuilderCorpus(b *testing.B) {
	mem := memory.NewGoAllocator()
	k, events := corpusRecords(b, mem, ctgen.Config{Events: 20000, Files: 8, Accounts: 3, Seed: 3, Org: "o-keyaudit1"})
	defer k.release()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bl := New()
		for _, rec := range k.recs {
			if err := bl.Add(rec); err != nil {
				b.Fatal(err)
			}
		}
		if r := bl.Finish(); len(r.Sessions) == 0 {
			b.Fatal("no sessions")
		}
	}
	b.ReportMetric(float64(int64(b.N)*events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBuilderFacts measures the Builder alone on the facts of the
// same corpus (Facts over every record, then Finish): the cost of the
// folds, without the Aggregator that Add runs first.
func BenchmarkBuilderFacts(b *testing.B) {
	mem := memory.NewGoAllocator()
	k, events := corpusRecords(b, mem, ctgen.Config{Events: 20000, Files: 8, Accounts: 3, Seed: 3, Org: "o-keyaudit1"})
	set := &facts.Set{}
	agg := facts.NewAggregator(mem, facts.Options{}, set)
	for _, rec := range k.recs {
		if err := agg.Events(rec); err != nil {
			b.Fatal(err)
		}
	}
	k.release()
	if err := agg.Close(); err != nil {
		b.Fatal(err)
	}
	defer set.Release()
	var rows int64
	for t := range facts.NumTables {
		rows += set.Rows(facts.Table(t))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bl := New()
		if err := set.Replay(bl); err != nil {
			b.Fatal(err)
		}
		if r := bl.Finish(); len(r.Sessions) == 0 {
			b.Fatal("no sessions")
		}
	}
	b.ReportMetric(float64(int64(b.N)*events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(int64(b.N)*rows)/b.Elapsed().Seconds(), "rows/s")
}
