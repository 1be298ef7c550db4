package facts_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

type keep struct{ recs []arrow.Record }

func (k *keep) Events(rec arrow.Record) error { rec.Retain(); k.recs = append(k.recs, rec); return nil }

// BenchmarkAggregator folds the events of a 100,000-event ctgen corpus
// (decoded once, outside the timer) into facts: the cost the facts add to
// the native path, per event.
func BenchmarkAggregator(b *testing.B) {
	dir := b.TempDir()
	g, err := ctgen.New(ctgen.Config{Events: 100_000, Files: 40, Accounts: 4, Seed: 3})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := g.WriteTo(dir); err != nil {
		b.Fatal(err)
	}
	mem := memory.NewGoAllocator()
	k := &keep{}
	res, err := ingest.Run(context.Background(), []string{dir}, ingest.Options{Mem: mem}, k)
	if err != nil {
		b.Fatal(err)
	}
	events := res.Stats[ingest.KindCloudTrail].Used
	defer func() {
		for _, r := range k.recs {
			r.Release()
		}
	}()
	var rows int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set := &facts.Set{}
		agg := facts.NewAggregator(mem, facts.Options{}, set)
		for _, r := range k.recs {
			if err := agg.Events(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := agg.Close(); err != nil {
			b.Fatal(err)
		}
		rows = 0
		for t := facts.Table(0); t < facts.NumTables; t++ {
			rows += set.Rows(t)
		}
		set.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*events), "ns/event")
	b.ReportMetric(float64(rows)/float64(events)*1e6, "rows/Mevent")
}
