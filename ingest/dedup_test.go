package ingest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keyaudit/keyaudit/ingest/internal/synth"
)

func TestIDSet(t *testing.T) {
	var s idSet
	defer s.close()
	const n = 100_000
	for i := 0; i < n; i++ {
		if s.seen([]byte(fmt.Sprintf("evt-%d", i))) {
			t.Fatalf("evt-%d reported as seen before", i)
		}
	}
	for i := 0; i < n; i += 7 {
		if !s.seen([]byte(fmt.Sprintf("evt-%d", i))) {
			t.Fatalf("evt-%d not found", i)
		}
	}
	if s.len() != n {
		t.Errorf("len %d, want %d", s.len(), n)
	}
	if s.seen(nil) || !s.seen([]byte{}) {
		t.Errorf("the empty ID is one ID")
	}
}

// TestIDSetConcurrent: goroutines adding overlapping IDs find each new ID
// exactly once, in memory and with a budget small enough to spill.
func TestIDSetConcurrent(t *testing.T) {
	for _, budget := range []int64{0, 16 << 10} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			s := newIDSet(budget)
			var fresh atomic.Int64
			var wg sync.WaitGroup
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 50_000; i++ {
						if !s.seen([]byte(fmt.Sprintf("id-%d", (i*7+g*5000)%60_000))) {
							fresh.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			if fresh.Load() != int64(s.len()) || s.len() != 60_000 {
				t.Errorf("%d fresh, %d distinct, want 60000", fresh.Load(), s.len())
			}
			if err := s.close(); err != nil {
				t.Error(err)
			}
		})
	}
}

// idStream returns n eventIDs where about dupPct% repeat an earlier ID
// picked uniformly among all the earlier ones, so most repeats come long
// after the first occurrence was spilled.
func idStream(seed uint64, n, dupPct int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := make([][]byte, 0, n)
	var distinct [][]byte
	for len(ids) < n {
		if len(distinct) > 0 && rng.IntN(100) < dupPct {
			ids = append(ids, distinct[rng.IntN(len(distinct))])
			continue
		}
		id := fmt.Appendf(nil, "%016x-%d", rng.Uint64(), len(distinct))
		distinct = append(distinct, id)
		ids = append(ids, id)
	}
	return ids
}

// TestDedupExact compares the set with a Go map, with budgets that force
// many spills and merges.
func TestDedupExact(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 200_000
	}
	cases := []struct {
		name   string
		budget int64
		n      int
		dupPct int
	}{
		{"64KiB", 64 << 10, n, 30},
		{"64KiB-no-dups", 64 << 10, n / 4, 0},
		{"64KiB-mostly-dups", 64 << 10, n / 2, 90},
		{"1MiB", 1 << 20, n / 2, 30},
		{"default", 0, n / 4, 30},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			ids := idStream(uint64(i), c.n, c.dupPct)
			s := newIDSet(c.budget)
			want := map[string]bool{}
			for j, id := range ids {
				got := s.seen(id)
				if got != want[string(id)] {
					t.Fatalf("id %d (%s): seen %v, want %v", j, id, got, want[string(id)])
				}
				want[string(id)] = true
			}
			// Every ID again, oldest first: all of them were spilled.
			for j, id := range ids {
				if !s.seen(id) {
					t.Fatalf("id %d (%s) lost", j, id)
				}
			}
			if s.len() != len(want) {
				t.Errorf("len %d, want %d", s.len(), len(want))
			}
			nruns, maxRuns := 0, 0
			for k := range s.shards {
				nruns += len(s.shards[k].runs)
				maxRuns = max(maxRuns, len(s.shards[k].runs))
			}
			t.Logf("%d distinct, %d runs, at most %d in a shard", len(want), nruns, maxRuns)
			if c.budget > 0 && c.budget < 1<<20 && nruns == 0 {
				t.Errorf("nothing spilled with a budget of %d", c.budget)
			}
			if maxRuns > 12 {
				t.Errorf("%d runs in a shard: merging does not keep up", maxRuns)
			}
			if err := s.close(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestDedupFingerprints drives the set with chosen fingerprints: the
// smallest and largest of each shard, the one an all-zero hash is mapped
// to, and dense neighbours, through spills.
func TestDedupFingerprints(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	if fingerprint(nil) == 0 || fingerprint([]byte("x")) == 0 {
		t.Fatal("zero fingerprint")
	}
	var keys []uint64
	for sh := uint64(0); sh < idShards; sh++ {
		base := sh << 58
		keys = append(keys, base|1, base|(1<<58-1), base|(1<<57))
		for j := uint64(2); j < 600; j++ {
			keys = append(keys, base|j*0x9e3779b97f4a7c1&(1<<58-1)|1, base|j)
		}
	}
	keys = append(keys, 1, math.MaxUint64) // 1 is also the all-zero hash
	s := newIDSet(4 << 10)
	want := map[uint64]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, h := range keys {
			if got := s.seenHash(h, 0); got != want[h] {
				t.Fatalf("pass %d: %#x: seen %v, want %v", pass, h, got, want[h])
			}
			want[h] = true
		}
	}
	if s.len() != len(want) {
		t.Errorf("len %d, want %d", s.len(), len(want))
	}
	if len(s.shards[0].runs) == 0 {
		t.Errorf("nothing spilled")
	}
	if err := s.close(); err != nil {
		t.Error(err)
	}
}

// openSpillFiles counts the open files of this process that are in dir.
func openSpillFiles(t *testing.T, dir string) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			n++
		}
	}
	return n
}

// TestDedupCleanup: spill files are unlinked at creation and closed by
// close, so nothing is left in the temporary directory.
func TestDedupCleanup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checks /proc/self/fd and unlink of open files")
	}
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	s := newIDSet(32 << 10)
	for _, id := range idStream(7, 200_000, 10) {
		s.seen(id)
	}
	nruns := 0
	for k := range s.shards {
		nruns += len(s.shards[k].runs)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("%d files in the temporary directory while in use, want 0 (unlinked)", len(entries))
	}
	if open := openSpillFiles(t, dir); nruns == 0 || open != nruns {
		t.Errorf("%d spill files open for %d runs", open, nruns)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if open := openSpillFiles(t, dir); open != 0 {
		t.Errorf("%d spill files still open after close", open)
	}
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
	if err := s.close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// TestDedupNoTempDir: when spill files cannot be created the set keeps
// everything in memory and stays exact.
func TestDedupNoTempDir(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	s := newIDSet(8 << 10)
	ids := idStream(3, 50_000, 30)
	want := map[string]bool{}
	for _, id := range ids {
		if got := s.seen(id); got != want[string(id)] {
			t.Fatalf("%s: seen %v, want %v", id, got, want[string(id)])
		}
		want[string(id)] = true
	}
	if s.len() != len(want) {
		t.Errorf("len %d, want %d", s.len(), len(want))
	}
	if err := s.close(); err != nil {
		t.Error(err)
	}
}

// TestDedupReadError: a run that cannot be read back makes close fail.
func TestDedupReadError(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s := newIDSet(4 << 10)
	var first []byte
	for i := 0; i < 20_000; i++ {
		id := binary.BigEndian.AppendUint64(nil, uint64(i))
		if i == 0 {
			first = id
		}
		s.seen(id)
	}
	sh := &s.shards[fingerprint(first)>>58]
	if len(sh.runs) == 0 {
		t.Fatal("nothing spilled")
	}
	for _, r := range sh.runs {
		r.f.Close() // behind the set's back
	}
	for i := 0; i < 20_000; i++ {
		s.seen(binary.BigEndian.AppendUint64(nil, uint64(i)))
	}
	err := s.close()
	if err == nil || !strings.Contains(err.Error(), "dedup: read spill file") {
		t.Errorf("close: %v, want a read error", err)
	}
}

// BenchmarkIDSet: one op is one seen call on a stream of 5 M eventIDs
// (10% repeats) with the default budget, so the set spills.
func BenchmarkIDSet(b *testing.B) {
	const n = 5_000_000
	ids := idStream(1, n, 10)
	var s *idSet
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%n == 0 {
			b.StopTimer()
			if s != nil {
				s.close()
			}
			s = newIDSet(0)
			b.StartTimer()
		}
		s.seen(ids[i%n])
	}
	b.StopTimer()
	s.close()
}

// TestRunDedupMemory: a Run whose eventID set spills finds the same
// duplicates across files as one that keeps it in memory, and leaves no
// file behind.
func TestRunDedupMemory(t *testing.T) {
	src := t.TempDir()
	write := func(name string, first, n int) string {
		var buf bytes.Buffer
		if _, err := synth.Records(&buf, 7, first, n); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	paths := []string{
		write("a.json", 0, 20_000),
		write("b.json", 10_000, 20_000), // 10 000 events also in a
		write("c.json", 0, 20_000),      // a again
	}
	want := Counts{Files: 3, Records: 60_000, Used: 30_000, Duplicate: 30_000}
	for _, budget := range []int64{0, 16 << 10} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			res, _ := run(t, paths, Options{DedupMemory: budget, Workers: 2})
			if got := res.Stats[KindCloudTrail]; got == nil || *got != want {
				t.Errorf("stats %+v, want %+v", got, want)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("%d files left in the temporary directory", len(entries))
			}
		})
	}
}
