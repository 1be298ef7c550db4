package inventory

import (
	"context"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// BenchmarkBuilderAdd: one 8,192-row record of calls by 500 keys from 50
// IPs, folded into a warm Builder.
func BenchmarkBuilderAdd(b *testing.B) {
	mem := memory.NewGoAllocator()
	keys := make([]string, 500)
	for i := range keys {
		keys[i] = keyOf("AKIA", acctA, byte(i))
		keys[i] = keys[i][:16] + strconv.Itoa(1000+i) // distinct IDs
	}
	var evs []*ct.Event
	for i := 0; i < 8192; i++ {
		e := call(at(time.Duration(i)*time.Second), acctA, "user"+strconv.Itoa(i%500), keys[i%500])
		e.Set(ct.ColSourceIPAddress, "10.0.0."+strconv.Itoa(i%50))
		evs = append(evs, e)
	}
	rec := record(mem, evs...)
	defer rec.Release()
	bld := New()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bld.Add(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*8192/b.Elapsed().Seconds(), "events/s")
}

// ctgenCorpus is a generated corpus (ctgen, 50,000 events over 4
// accounts and 14 days, 2 % duplicates) as ingested event records, made
// once per process.
var ctgenCorpus = sync.OnceValues(func() ([]arrow.Record, error) {
	g, err := ctgen.New(ctgen.Config{Events: 50_000, Files: 16, Accounts: 4, Seed: 3, Dups: 0.02})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "keyaudit-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := g.WriteTo(dir); err != nil {
		return nil, err
	}
	var recs []arrow.Record
	_, err = ingest.Run(context.Background(), []string{dir}, ingest.Options{Mem: memory.NewGoAllocator(), Workers: 1},
		sinkFunc(func(rec arrow.Record) error {
			rec.Retain()
			recs = append(recs, rec)
			return nil
		}))
	return recs, err
})

func ctgenRecords(b *testing.B) ([]arrow.Record, int64) {
	recs, err := ctgenCorpus()
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	return recs, n
}

// BenchmarkBuilderCtgen: a fresh Builder given the events of the ctgen
// corpus (Add) and finished, per iteration.
func BenchmarkBuilderCtgen(b *testing.B) {
	recs, n := ctgenRecords(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bld := New()
		for _, r := range recs {
			if err := bld.Add(r); err != nil {
				b.Fatal(err)
			}
		}
		if inv := bld.Finish(nil); len(inv.Keys) == 0 {
			b.Fatal("no keys")
		}
	}
	b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBuilderFacts: a fresh Builder given the facts of the ctgen
// corpus (made once, outside the timer) and finished, per iteration: the
// cost of the fold alone.
func BenchmarkBuilderFacts(b *testing.B) {
	recs, _ := ctgenRecords(b)
	set := &facts.Set{}
	defer set.Release()
	agg := facts.NewAggregator(memory.NewGoAllocator(), facts.Options{}, set)
	for _, r := range recs {
		if err := agg.Events(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := agg.Close(); err != nil {
		b.Fatal(err)
	}
	var rows int64
	for t := range set.Records {
		rows += set.Rows(facts.Table(t))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bld := New()
		if err := set.Replay(bld); err != nil {
			b.Fatal(err)
		}
		if inv := bld.Finish(nil); len(inv.Keys) == 0 {
			b.Fatal("no keys")
		}
	}
	b.ReportMetric(float64(b.N)*float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows), "rows")
}
