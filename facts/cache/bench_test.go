package cache_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/facts/cache"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
	"github.com/keyaudit/keyaudit/internal/rss"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type countSink struct{ rows int64 }

func (s *countSink) Facts(_ facts.Table, rec arrow.Record) error { s.rows += rec.NumRows(); return nil }

func benchCorpus(b *testing.B) (string, int) {
	events, files := 200_000, 250
	if v, err := strconv.Atoi(os.Getenv("KEYAUDIT_BENCH_EVENTS")); err == nil {
		events, files = v, max(v/800, 1)
	}
	dir := b.TempDir() // removed with everything else the benchmark writes
	g, err := ctgen.New(ctgen.Config{Events: events, Files: files, Accounts: 3, Seed: 7})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := g.WriteTo(dir); err != nil {
		b.Fatal(err)
	}
	return dir, events
}

// copyDir copies the cache in src to dst (replacing it).
func copyDir(src, dst string) error {
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o600)
	})
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

const childEnv = "KEYAUDIT_CACHE_BENCH_CHILD"

// TestBenchChild is the warm run BenchmarkCache measures the peak RSS of,
// in a process of its own: it runs only when the benchmark starts it.
func TestBenchChild(t *testing.T) {
	v := os.Getenv(childEnv)
	if v == "" {
		t.Skip("run by BenchmarkCache")
	}
	dir, in := v, os.Getenv(childEnv+"_INPUT")
	c, err := cache.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, st, err := cache.Run(context.Background(), []string{in}, ingest.Options{Mem: memory.NewGoAllocator()}, c, &countSink{})
	if err != nil || st.Parsed != 0 {
		t.Fatalf("warm run: parsed %d: %v", st.Parsed, err)
	}
	// VmHWM is this process's own peak: the rusage of a child also holds
	// the peak of the process it was forked from (the benchmark's).
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			fmt.Printf("warm-rss-kb %s\n", strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
}

// BenchmarkCache measures, in one interleaved loop (each round runs all
// four, so a load that comes and goes weighs on each alike), the CPU time
// (user + system) of: a cold run without the cache, a cold run that fills
// one, a warm run after 1% of the files are new (the cache holds the
// other 99%), and a warm run with nothing new, over a 200,000-event /
// 250-file ctgen corpus (KEYAUDIT_BENCH_EVENTS changes it: 800 events
// per file). It reports each in cpu-ms, their ratios to the cold run, the
// cache's bytes per million events, and the peak RSS of a warm run with
// nothing new in a process of its own (internal/rss runs it; the peak is
// the child's own VmHWM).
//
//	go test ./facts/cache -run '^$' -bench Cache -benchtime 3x
func BenchmarkCache(b *testing.B) {
	in, events := benchCorpus(b)
	mem := memory.NewGoAllocator()
	opts := ingest.Options{Mem: mem}
	ctx := context.Background()
	tmp := b.TempDir()
	full, part, work := filepath.Join(tmp, "full"), filepath.Join(tmp, "99pct"), filepath.Join(tmp, "work")
	run := func(dir string, paths []string) error {
		c, err := cache.Open(dir)
		if err != nil {
			return err
		}
		_, _, err = cache.Run(ctx, paths, opts, c, &countSink{})
		return err
	}
	// The 99% cache: every file but each 100th, given one by one (the
	// same paths as the walk of the folder gives).
	names, _ := ingest.Walk(ctx, []string{in})
	var most []string
	for i, n := range names {
		if i%100 != 50 {
			most = append(most, n)
		}
	}
	if err := run(part, most); err != nil {
		b.Fatal(err)
	}
	if err := run(full, []string{in}); err != nil {
		b.Fatal(err)
	}
	var cpu [4]time.Duration
	timed := func(i int, fn func() error) {
		t0 := cpuNow()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		cpu[i] += cpuNow() - t0
	}
	b.ResetTimer()
	for range b.N {
		timed(0, func() error {
			agg := facts.NewAggregator(mem, facts.Options{}, &countSink{})
			if _, err := ingest.Run(ctx, []string{in}, opts, agg); err != nil {
				return err
			}
			return agg.Close()
		})
		b.StopTimer()
		os.RemoveAll(work)
		b.StartTimer()
		timed(1, func() error { return run(work, []string{in}) })
		b.StopTimer()
		if err := copyDir(part, work); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		timed(2, func() error { return run(work, []string{in}) })
		timed(3, func() error { return run(full, []string{in}) })
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	for i, name := range []string{"cold-without", "cold-with", "warm-1pct-new", "warm-nothing-new"} {
		b.ReportMetric(ms(cpu[i]), name+"-cpu-ms")
		if i > 0 {
			b.ReportMetric(float64(cpu[i])/float64(cpu[0]), name+"-x")
		}
	}
	b.ReportMetric(float64(dirBytes(full))/float64(events), "cache-MB/Mevent")

	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv(childEnv, full)
	b.Setenv(childEnv+"_INPUT", in)
	var out strings.Builder
	r, err := rss.Run(ctx, []string{exe, "-test.run=^TestBenchChild$"}, nil, &out, &out, func() time.Time { return time.Time{} }) // wall time is not used
	if err != nil || r.ExitCode != 0 {
		b.Fatalf("warm run in a child: exit %d, %v\n%s", r.ExitCode, err, out.String())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "warm-rss-kb "); ok {
			kb, _ := strconv.Atoi(v)
			b.ReportMetric(float64(kb)/1024, "warm-rss-MB")
		}
	}
	b.ReportMetric(float64((r.User+r.Sys).Microseconds())/1000, "warm-child-cpu-ms")
}
