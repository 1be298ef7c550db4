package facts_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
)

// corpusSet aggregates the CloudTrail corpus named by
// KEYAUDIT_FACTS_CORPUS (e.g. ctgen -out /tmp/fio -events 100000), sorted.
func corpusSet(b *testing.B, mem memory.Allocator) *facts.Set {
	b.Helper()
	dir := os.Getenv("KEYAUDIT_FACTS_CORPUS")
	if dir == "" {
		b.Skip("set KEYAUDIT_FACTS_CORPUS to a CloudTrail directory")
	}
	set, _, _ := aggregate(b, mem, []string{dir}, 2, facts.Options{Sorted: true})
	return set
}

// BenchmarkFactsWrite writes the corpus's facts (reports bytes on disk).
func BenchmarkFactsWrite(b *testing.B) {
	mem := memory.NewGoAllocator()
	set := corpusSet(b, mem)
	defer set.Release()
	out := filepath.Join(b.TempDir(), "facts")
	b.ResetTimer()
	for b.Loop() {
		w, err := facts.NewWriter(mem, out, facts.WriterOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := set.Replay(w); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var size int64
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		fi, err := os.Stat(filepath.Join(out, tb.String()+".parquet"))
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%-15s %8d rows %9d bytes", tb, set.Rows(tb), fi.Size())
		size += fi.Size()
	}
	b.ReportMetric(float64(size), "bytes/set")
}

// BenchmarkFactsRead reads the corpus's facts back to a sink that drops
// them.
func BenchmarkFactsRead(b *testing.B) {
	mem := memory.NewGoAllocator()
	set := corpusSet(b, mem)
	out := filepath.Join(b.TempDir(), "facts")
	w, err := facts.NewWriter(mem, out, facts.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if err := set.Replay(w); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	set.Release()
	b.ResetTimer()
	for b.Loop() {
		if _, err := facts.Read(context.Background(), mem, []string{out}, discard{}); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Facts(facts.Table, arrow.Record) error { return nil }

// BenchmarkFactsAggregate is ingest plus a sorted Aggregator over the
// corpus, for comparison with writing and reading its facts.
func BenchmarkFactsAggregate(b *testing.B) {
	mem := memory.NewGoAllocator()
	for b.Loop() {
		corpusSet(b, mem).Release()
	}
}
