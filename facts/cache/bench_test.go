package cache_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/facts/cache"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// measure runs run b.N times, after setup each time (not timed), and
// reports the CPU time (user + system) of run per op: on a shared machine
// wall time says little.
func measure(b *testing.B, setup, run func() error) {
	var cpu time.Duration
	for range b.N {
		if setup != nil {
			b.StopTimer()
			if err := setup(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		t0 := cpuNow()
		if err := run(); err != nil {
			b.Fatal(err)
		}
		cpu += cpuNow() - t0
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type countSink struct{ rows int64 }

func (s *countSink) Facts(_ facts.Table, rec arrow.Record) error { s.rows += rec.NumRows(); return nil }

var benchCorpus = sync.OnceValues(func() (string, error) {
	events, files := 200_000, 250
	if v, err := strconv.Atoi(os.Getenv("KEYAUDIT_BENCH_EVENTS")); err == nil {
		events, files = v, max(v/800, 1)
	}
	dir, err := os.MkdirTemp("", "keyaudit-cache-bench-")
	if err != nil {
		return "", err
	}
	g, err := ctgen.New(ctgen.Config{Events: events, Files: files, Accounts: 3, Seed: 7})
	if err != nil {
		return "", err
	}
	_, err = g.WriteTo(dir)
	return dir, err
})

// BenchmarkCache: a cold run without the cache, a cold run that fills
// one, a warm run after 1% of the files are new, and a warm run with
// nothing new, over a 200,000-event / 250-file ctgen corpus
// (KEYAUDIT_BENCH_EVENTS changes it: 800 events per file).
//
//	go test ./facts/cache -run '^$' -bench Cache -benchtime 5x
func BenchmarkCache(b *testing.B) {
	in, err := benchCorpus()
	if err != nil {
		b.Fatal(err)
	}
	mem := memory.NewGoAllocator()
	opts := ingest.Options{Mem: mem}
	ctx := context.Background()
	b.Run("cold-without", func(b *testing.B) {
		measure(b, nil, func() error {
			agg := facts.NewAggregator(mem, facts.Options{}, &countSink{})
			if _, err := ingest.Run(ctx, []string{in}, opts, agg); err != nil {
				return err
			}
			return agg.Close()
		})
	})
	var c *cache.Cache
	b.Run("cold-with", func(b *testing.B) {
		measure(b, func() (err error) {
			c, err = cache.Open(filepath.Join(b.TempDir(), "c"))
			return err
		}, func() error {
			_, _, err := cache.Run(ctx, []string{in}, opts, c, &countSink{})
			return err
		})
	})
	dir := filepath.Join(b.TempDir(), "warm")
	c, err = cache.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	run := func() error {
		_, _, err := cache.Run(ctx, []string{in}, opts, c, &countSink{})
		return err
	}
	if err := run(); err != nil {
		b.Fatal(err)
	}
	b.Run("warm-1pct-new", func(b *testing.B) {
		measure(b, func() error {
			es, _ := filepath.Glob(filepath.Join(dir, "entries", "*.kfc"))
			for i := 0; i < len(es); i += 100 { // every 100th entry: 1% of the files are new
				os.Remove(es[i])
			}
			return nil
		}, run)
	})
	b.Run("warm-nothing-new", func(b *testing.B) { measure(b, nil, run) })
	info, _ := cache.ReadInfo(dir)
	if info != nil && info.Events > 0 {
		b.Logf("cache: %d entries, %d bytes, %.1f MB per million events", info.Entries, info.Bytes, float64(info.Bytes)/float64(info.Events))
	}
}
