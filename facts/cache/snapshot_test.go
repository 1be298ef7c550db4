package cache_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/facts/cache"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// walked is the number of files a run over paths reads.
func walked(paths []string) int64 {
	names, _ := ingest.Walk(context.Background(), paths)
	return int64(len(names))
}

func snapshots(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*.kfs"))
	slices.Sort(m)
	return m
}

// TestSnapshot: a warm run over the same paths delivers the snapshot of
// the run before; new files are parsed beside it, and a new snapshot is
// written once they hold enough rows; a snapshot that is bad, or that a
// new file overlaps, is not used. Every run's results are a run's without
// the cache.
func TestSnapshot(t *testing.T) {
	mem := checked(t)
	// No event in two files (ctgenCorpus has some): the new files then
	// never share one with the snapshot.
	in := t.TempDir()
	g, err := ctgen.New(ctgen.Config{Events: 20000, Files: 50, Accounts: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteTo(in); err != nil {
		t.Fatal(err)
	}
	held := t.TempDir()
	files := gzFiles(t, in)
	slices.Sort(files)
	if len(files) < 20 {
		t.Fatalf("%d files", len(files))
	}
	// The last files of the walk are held back, then come back in two
	// steps: one file (too few rows for a new snapshot), then the rest.
	hold := files[len(files)-6:]
	move := func(names []string, from, to string) {
		t.Helper()
		for _, p := range names {
			rel, _ := filepath.Rel(from, p)
			dst := filepath.Join(to, rel)
			os.MkdirAll(filepath.Dir(dst), 0o755)
			if err := os.Rename(p, dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	move(hold, in, held)
	back := func(names []string) {
		t.Helper()
		for _, p := range names {
			rel, _ := filepath.Rel(in, p)
			move([]string{filepath.Join(held, rel)}, held, in)
		}
	}
	paths := []string{in}
	dir := filepath.Join(t.TempDir(), "cache")
	run := func(what string, workers int) cache.Stats {
		t.Helper()
		want := cold(t, mem, paths)
		got, st := cached(t, mem, dir, paths, workers)
		same(t, what, got, want)
		return st
	}

	st := run("cold", 2)
	if st.Snapshot || !st.SnapshotWritten || len(snapshots(t, dir)) != 1 {
		t.Fatalf("cold: %+v, snapshots %v", st, snapshots(t, dir))
	}
	st = run("warm", 1)
	if !st.Snapshot || st.SnapshotWritten || st.Parsed != 0 || cachedFiles(st) != walked(paths) {
		t.Errorf("warm: %+v", st)
	}

	back(hold[:1])
	st = run("one new file", 2)
	if !st.Snapshot || st.SnapshotWritten || st.Parsed != 1 || st.Stored != 1 {
		t.Errorf("one new file: %+v", st)
	}
	st = run("one new file, again", 2)
	if !st.Snapshot || st.Parsed != 0 || cachedFiles(st) != walked(paths) {
		t.Errorf("one new file, again: %+v", st)
	}

	back(hold[1:])
	st = run("five new files", 2)
	if !st.Snapshot || !st.SnapshotWritten || st.Parsed != 5 {
		t.Errorf("five new files: %+v", st)
	}
	st = run("five new files, again", 2)
	if !st.Snapshot || st.SnapshotWritten || st.Parsed != 0 || cachedFiles(st) != walked(paths) {
		t.Errorf("five new files, again: %+v", st)
	}

	// A new file holding events of a member: the first copy in walk order
	// wins, so the run goes on from the entries (and writes a new snapshot).
	b, err := os.ReadFile(files[3])
	if err != nil {
		t.Fatal(err)
	}
	dup := filepath.Join(in, "000-copy.json.gz")
	os.WriteFile(dup, b, 0o644)
	st = run("overlapping new file", 2)
	if st.Snapshot || !st.SnapshotWritten || st.Involved == 0 {
		t.Errorf("overlapping new file: %+v", st)
	}
	st = run("overlapping new file, again", 2)
	if !st.Snapshot || st.Parsed != 0 {
		t.Errorf("overlapping new file, again: %+v", st)
	}
	// A new file holding copies of a member's events, later in the walk:
	// its copies are dropped, the snapshot stands.
	late := filepath.Join(in, "zzz-copy.json.gz")
	b, err = os.ReadFile(files[7])
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(late, b, 0o644)
	st = run("late overlapping file", 2)
	if !st.Snapshot || st.Involved != 1 || st.Parsed != 1 {
		t.Errorf("late overlapping file: %+v", st)
	}
	st = run("late overlapping file, again", 2)
	if !st.Snapshot || st.Involved != 1 || st.Parsed != 0 {
		t.Errorf("late overlapping file, again: %+v", st)
	}
	os.Remove(late)
	// A member changed: the entries again.
	os.Remove(dup)
	st = run("member deleted", 2)
	if st.Snapshot || !st.SnapshotWritten {
		t.Errorf("member deleted: %+v", st)
	}

	// Bad snapshots: reported once, removed, rebuilt; never used.
	for _, bad := range []struct {
		what   string
		damage func(b []byte) []byte
	}{
		{"flipped chunk", func(b []byte) []byte { b[100] ^= 0x5a; return b }},
		{"flipped trailer", func(b []byte) []byte { b[len(b)-60] ^= 0x5a; return b }},
		{"truncated", func(b []byte) []byte { return b[:len(b)*2/3] }},
		{"foreign", func([]byte) []byte { return []byte("hello world, not a snapshot at all") }},
		{"old format", func(b []byte) []byte { b[8] = 1; return b }},
	} {
		sp := snapshots(t, dir)
		if len(sp) != 1 {
			t.Fatalf("%s: snapshots %v", bad.what, sp)
		}
		b, _ := os.ReadFile(sp[0])
		os.WriteFile(sp[0], bad.damage(b), 0o600)
		st = run(bad.what, 2)
		if st.Snapshot || !st.SnapshotWritten || len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "snapshot") {
			t.Errorf("%s: %+v", bad.what, st)
		}
		st = run(bad.what+", rebuilt", 2)
		if !st.Snapshot || len(st.Problems) != 0 {
			t.Errorf("%s, rebuilt: %+v", bad.what, st)
		}
	}

	// Prune drops a snapshot with a member no longer given.
	n, err := cache.Prune(context.Background(), dir, []string{filepath.Dir(files[0])})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || len(snapshots(t, dir)) != 0 {
		t.Errorf("prune removed %d files; snapshots left: %v", n, snapshots(t, dir))
	}
	info, err := cache.ReadInfo(dir)
	if err != nil || info.Snapshots != 0 {
		t.Errorf("info after prune: %+v %v", info, err)
	}
}
