package cache_test

import (
	"bytes"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/gzip"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/facts/cache"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/ctgen"
	"github.com/keyaudit/keyaudit/internal/datasets"
)

// canon renders a fact set folded by grain (docs/FACTS.md rule 4): usage
// rows re-grouped (calls summed, min first_time, max last_time),
// event_accounts likewise, principals distinct, event rows as a multiset;
// every table sorted. Two sets with equal canon give every stage-2
// consumer the same input.
func canon(t *testing.T, s *facts.Set) string {
	t.Helper()
	var b strings.Builder
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		type agg struct{ calls, first, last int64 }
		groups := map[string]*agg{}
		var rows []string
		cols := facts.Columns(tb)
		nAgg := 0
		switch tb {
		case facts.KeyUse, facts.SessionUse, facts.EventAccounts:
			nAgg = 3
		}
		for _, rec := range s.Records[tb] {
			v, err := facts.NewView(tb, rec)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < v.N; i++ {
				var key strings.Builder
				for c, col := range cols[:len(cols)-nAgg] {
					if c > 0 {
						key.WriteByte('|')
					}
					switch col.Kind {
					case facts.Str:
						key.WriteString(v.Str(c, i))
					case facts.Bool:
						fmt.Fprint(&key, v.Bool(c, i))
					default:
						fmt.Fprint(&key, v.Int(c, i))
					}
				}
				if nAgg == 0 {
					rows = append(rows, key.String())
					continue
				}
				n := len(cols)
				calls, first, last := v.Int(n-3, i), v.Int(n-2, i), v.Int(n-1, i)
				g := groups[key.String()]
				if g == nil {
					groups[key.String()] = &agg{calls, first, last}
					continue
				}
				g.calls += calls
				g.first = min(g.first, first)
				g.last = max(g.last, last)
			}
		}
		for k, g := range groups {
			rows = append(rows, fmt.Sprintf("%s|%d|%d|%d", k, g.calls, g.first, g.last))
		}
		slices.Sort(rows)
		if tb == facts.Principals {
			rows = slices.Compact(rows)
		}
		fmt.Fprintf(&b, "# %s %d\n%s\n", tb, len(rows), strings.Join(rows, "\n"))
	}
	return b.String()
}

func resultJSON(t *testing.T, r *ingest.Result) string {
	t.Helper()
	type view struct {
		Stats      map[ingest.Kind]*ingest.Counts
		Errors     []string
		Skipped    []ingest.SkippedFile
		Reports    []string
		Superseded []ingest.Superseded
		KeyIDs     []string
		Hashes     []ingest.FileHash
	}
	v := view{Stats: r.Stats, Skipped: r.Skipped, Superseded: r.Superseded, KeyIDs: r.KeyIDs, Hashes: r.FileHashes}
	for _, e := range r.Errors {
		v.Errors = append(v.Errors, e.Error())
	}
	for _, rep := range r.Reports {
		v.Reports = append(v.Reports, rep.File+" "+rep.AccountID)
	}
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type outcome struct{ facts, result string }

// cold is the reference: ingest.Run with one worker into an Aggregator.
func cold(t *testing.T, mem memory.Allocator, paths []string) outcome {
	t.Helper()
	set := &facts.Set{}
	defer set.Release()
	agg := facts.NewAggregator(mem, facts.Options{}, set)
	res, err := ingest.Run(context.Background(), paths, ingest.Options{Mem: mem, Workers: 1}, agg)
	if err != nil {
		t.Fatal(err)
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	return outcome{canon(t, set), resultJSON(t, res)}
}

func cached(t *testing.T, mem memory.Allocator, dir string, paths []string, workers int) (outcome, cache.Stats) {
	t.Helper()
	o, st, err := tryCached(t, mem, dir, paths, workers)
	if err != nil {
		t.Fatal(err)
	}
	return o, st
}

// tryCached is cached for a goroutine of its own (which must not call
// t.Fatal): Open's and Run's errors are returned.
func tryCached(t *testing.T, mem memory.Allocator, dir string, paths []string, workers int) (outcome, cache.Stats, error) {
	t.Helper()
	c, err := cache.Open(dir)
	if err != nil {
		return outcome{}, cache.Stats{}, err
	}
	set := &facts.Set{}
	defer set.Release()
	res, st, err := cache.Run(context.Background(), paths, ingest.Options{Mem: mem, Workers: workers}, c, set)
	if err != nil {
		return outcome{}, st, err
	}
	return outcome{canon(t, set), resultJSON(t, res)}, st, nil
}

// concurrently runs n cached runs at once on dir, the i-th over
// paths(i) with workers(i) workers, and returns their outcomes; a run
// that fails is reported and returns the zero outcome.
func concurrently(t *testing.T, mem memory.Allocator, dir string, n int, paths func(i int) []string, workers func(i int) int) []outcome {
	t.Helper()
	var wg sync.WaitGroup
	outs := make([]outcome, n)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if outs[i], _, err = tryCached(t, mem, dir, paths(i), workers(i)); err != nil {
				t.Errorf("run %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	return outs
}

func same(t *testing.T, what string, got, want outcome) {
	t.Helper()
	if got.result != want.result {
		t.Errorf("%s: Result differs from a run without the cache:\n%s\nwant:\n%s", what, got.result, want.result)
	}
	if got.facts != want.facts {
		t.Errorf("%s: facts differ from a run without the cache:\n%s", what, firstDiff(got.facts, want.facts))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(al), len(bl))
}

func cachedFiles(st cache.Stats) int64 {
	var n int64
	for _, c := range st.Cached {
		n += c.Files
	}
	return n
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func checked(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// coldWarm checks a cold and a warm run with the cache against a run
// without it, and returns the cache directory.
func coldWarm(t *testing.T, mem memory.Allocator, paths []string) string {
	t.Helper()
	want := cold(t, mem, paths)
	dir := filepath.Join(t.TempDir(), "cache")
	got, st := cached(t, mem, dir, paths, 2)
	same(t, "cold", got, want)
	if cachedFiles(st) != 0 || st.Stored == 0 || len(st.Problems) > 0 {
		t.Errorf("cold run: %+v", st)
	}
	got, st = cached(t, mem, dir, paths, 2)
	same(t, "warm", got, want)
	if cachedFiles(st) == 0 || st.Stored != 0 || len(st.Problems) > 0 {
		t.Errorf("warm run: %+v", st)
	}
	return dir
}

func TestDemo(t *testing.T) {
	mem := checked(t)
	coldWarm(t, mem, []string{"../../testdata/demo/reports", "../../testdata/demo/cloudtrail"})
}

func TestIngestTree(t *testing.T) {
	mem := checked(t)
	coldWarm(t, mem, []string{"../../ingest/testdata/tree"})
}

func TestDatasets(t *testing.T) {
	root, err := datasets.Find("cloudtrail")
	if err != nil {
		t.Skipf("shared datasets: %v", err)
	}
	for _, d := range []string{"traildiscover-logexamples", "aws-cloudtrail-processing-library-fixtures", "invictus-ir-aws-dataset", "grycap-cloudtrail-tracker"} {
		t.Run(d, func(t *testing.T) {
			mem := checked(t)
			coldWarm(t, mem, []string{filepath.Join(root, d)})
		})
	}
}

func ctgenCorpus(t *testing.T, dir string) {
	t.Helper()
	g, err := ctgen.New(ctgen.Config{Events: 20000, Files: 50, Accounts: 3, Seed: 7, Dups: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
}

func TestCtgenDups(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	mem := checked(t)
	in := t.TempDir()
	ctgenCorpus(t, in)
	dir := coldWarm(t, mem, []string{in})
	// A second copy of the corpus under another name: every file involved.
	copyTree(t, filepath.Join(in, "AWSLogs"), filepath.Join(in, "copy"))
	want := cold(t, mem, []string{in})
	got, st := cached(t, mem, dir, []string{in}, 2)
	same(t, "copied corpus", got, want)
	if st.Involved == 0 {
		t.Errorf("copied corpus: no involved file: %+v", st)
	}
}

func gzFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	ingest.VisitFiles([]string{dir}, func(p string, fi fs.FileInfo) {
		if strings.HasSuffix(p, ".json.gz") && !strings.Contains(p, "Digest") {
			out = append(out, p)
		}
	})
	return out
}

// TestChangesBetweenRuns: files modified, truncated, deleted, renamed and
// duplicated, and an overlapping lookup-events export, between runs.
func TestChangesBetweenRuns(t *testing.T) {
	mem := checked(t)
	in := t.TempDir()
	copyTree(t, "../../testdata/demo/cloudtrail", in)
	paths := []string{in}
	dir := coldWarm(t, mem, paths)
	files := gzFiles(t, in)
	if len(files) < 6 {
		t.Fatalf("only %d gzip files in the demo", len(files))
	}
	step := func(what string, change func()) {
		t.Helper()
		change()
		want := cold(t, mem, paths)
		got, st := cached(t, mem, dir, paths, 2)
		same(t, what, got, want)
		if len(st.Problems) > 0 {
			t.Errorf("%s: problems %v", what, st.Problems)
		}
		got, _ = cached(t, mem, dir, paths, 1)
		same(t, what+" (again)", got, want)
	}
	step("modified", func() { // same size, same mtime, other content in the middle
		b := inflate(t, files[0])
		b = bytes.Replace(b, []byte(`"us-east-1"`), []byte(`"us-west-2"`), 1)
		fi, _ := os.Stat(files[0])
		deflateTo(t, files[0], b)
		os.Chtimes(files[0], fi.ModTime(), fi.ModTime())
	})
	step("truncated", func() {
		b, _ := os.ReadFile(files[1])
		os.WriteFile(files[1], b[:len(b)/2], 0o644)
	})
	step("deleted", func() { os.Remove(files[2]) })
	step("renamed", func() { os.Rename(files[3], files[3]+".moved.json.gz") })
	step("duplicated", func() {
		b, _ := os.ReadFile(files[4])
		os.WriteFile(filepath.Join(in, "000-first-copy.json.gz"), b, 0o644) // earlier in the walk
		os.WriteFile(filepath.Join(in, "zzz-last-copy.json.gz"), b, 0o644)
	})
	step("overlapping lookup-events export", func() {
		os.WriteFile(filepath.Join(in, "aaa-lookup.json"), lookupEvents(t, inflate(t, files[5])), 0o644)
	})
}

func inflate(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func deflateTo(t *testing.T, path string, data []byte) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// lookupEvents turns an S3 delivery file into `aws cloudtrail
// lookup-events` output holding the same events.
func lookupEvents(t *testing.T, s3 []byte) []byte {
	t.Helper()
	var in struct{ Records []json.RawMessage }
	if err := json.Unmarshal(s3, &in); err != nil {
		t.Fatal(err)
	}
	type ev struct {
		EventId, EventName, CloudTrailEvent string
	}
	var out struct{ Events []ev }
	for _, r := range in.Records {
		var id struct{ EventID, EventName string }
		json.Unmarshal(r, &id)
		out.Events = append(out.Events, ev{id.EventID, id.EventName, string(r)})
	}
	if len(out.Events) == 0 {
		t.Fatal("no events to export")
	}
	b, _ := json.Marshal(out)
	return b
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "entries", "*.kfc"))
	slices.Sort(m)
	if len(m) < 3 {
		t.Fatalf("%d entries", len(m))
	}
	return m
}

// TestBadEntries: corrupt, truncated, foreign and old-version entries are
// reported once, rebuilt, and never change the results.
func TestBadEntries(t *testing.T) {
	cache.SetNoSnapshots(true) // the entries themselves are read
	defer cache.SetNoSnapshots(false)
	mem := checked(t)
	paths := []string{"../../testdata/demo/cloudtrail"}
	want := cold(t, mem, paths)
	dir := coldWarm(t, mem, paths)
	es := entries(t, dir)
	flip := func(p string, at func(n int) int) {
		b, _ := os.ReadFile(p)
		b[at(len(b))] ^= 0x5a
		os.WriteFile(p, b, 0o600)
	}
	flip(es[0], func(n int) int { return n - 20 })    // in the facts
	flip(es[1], func(n int) int { return 30 })        // in the meta
	b, _ := os.ReadFile(es[2])                        //
	os.WriteFile(es[2], b[:len(b)*2/3], 0o600)        // truncated
	os.WriteFile(es[3], []byte("hello world"), 0o600) // foreign
	b, _ = os.ReadFile(es[4])
	b[12] = 0 // facts_version 0
	os.WriteFile(es[4], b, 0o600)
	got, st := cached(t, mem, dir, paths, 2)
	same(t, "bad entries", got, want)
	if len(st.Problems) != 5 {
		t.Errorf("%d problems, want 5: %q", len(st.Problems), st.Problems)
	}
	for _, p := range st.Problems {
		t.Log(p)
	}
	got, st = cached(t, mem, dir, paths, 2)
	same(t, "after the rebuild", got, want)
	if len(st.Problems) != 0 || st.Parsed != 0 {
		t.Errorf("after the rebuild: %+v", st)
	}
}

// TestConcurrentRuns: two runs at once on one cache, cold then warm.
func TestConcurrentRuns(t *testing.T) {
	mem := checked(t)
	paths := []string{"../../testdata/demo/reports", "../../testdata/demo/cloudtrail"}
	want := cold(t, mem, paths)
	dir := filepath.Join(t.TempDir(), "c")
	for round := range 2 {
		outs := concurrently(t, mem, dir, 3, func(int) []string { return paths }, func(int) int { return 2 })
		for i, o := range outs {
			same(t, fmt.Sprintf("round %d run %d", round, i), o, want)
		}
	}
}

// TestConcurrentOpen: another run's Open of the same new cache renames
// its marker into place (and makes entries/) between this Open finding
// no marker and listing the folder. The folder is a cache, not someone
// else's (TestConcurrentRuns and TestConcurrentIndex failed about one
// run in ten under load on this).
func TestConcurrentOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c")
	other := false
	cache.SetNoMarkerHook(func(d string) {
		if other {
			return // the other run's own check
		}
		other = true
		if _, err := cache.Open(d); err != nil {
			t.Errorf("the other run's Open: %v", err)
		}
	})
	t.Cleanup(func() { cache.SetNoMarkerHook(nil) })
	if _, err := cache.Open(dir); err != nil {
		t.Fatalf("Open while another run opens the same new cache: %v", err)
	}
	if !other {
		t.Fatal("the hook was not called")
	}
	if _, err := cache.ReadInfo(dir); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesOtherDirs(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if _, err := cache.Open(dir); err == nil {
		t.Fatal("Open took a folder with other files")
	}
	if err := cache.Clean(dir); err == nil {
		t.Fatal("Clean removed a folder that is not a cache")
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
	c := filepath.Join(dir, "new")
	if _, err := cache.Open(c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(c)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir mode %v, %v", fi.Mode(), err)
	}
}

// TestFileModes: entries are 0600 and nothing else is left in the folder.
func TestFileModes(t *testing.T) {
	mem := checked(t)
	dir := coldWarm(t, mem, []string{"../../testdata/demo/cloudtrail"})
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		fi, _ := d.Info()
		switch {
		case d.IsDir() && fi.Mode().Perm() != 0o700, !d.IsDir() && fi.Mode().Perm() != 0o600:
			t.Errorf("%s: mode %v", p, fi.Mode())
		case strings.HasPrefix(d.Name(), ".tmp-"):
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
	info, err := cache.ReadInfo(dir)
	if err != nil || info.Entries == 0 || info.Bad != 0 || info.Rows[facts.KeyUse] == 0 {
		t.Fatalf("info %+v, %v", info, err)
	}
	n, err := cache.Prune(context.Background(), dir, []string{"../../testdata/demo/cloudtrail/exports"})
	if err != nil || n == 0 || n >= info.Entries {
		t.Fatalf("prune removed %d of %d: %v", n, info.Entries, err)
	}
	if err := cache.Clean(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Fatal("Clean left the folder")
	}
}

// TestIndex: a warm run plans from the index alone; a corrupt, truncated,
// foreign or old index is reported once, never fatal, and rewritten; a
// stale index (entries rewritten or removed behind it) changes nothing.
func TestIndex(t *testing.T) {
	cache.SetNoSnapshots(true) // the index is what plans the run
	defer cache.SetNoSnapshots(false)
	mem := checked(t)
	paths := []string{"../../testdata/demo/cloudtrail"}
	want := cold(t, mem, paths)
	dir := coldWarm(t, mem, paths)
	index := filepath.Join(dir, "index.kfi")
	good, err := os.ReadFile(index)
	if err != nil {
		t.Fatalf("no index after a cold run: %v", err)
	}
	for _, bad := range []struct {
		what string
		data []byte
	}{
		{"flipped", func() []byte { b := slices.Clone(good); b[len(b)/2] ^= 0x5a; return b }()},
		{"truncated", good[:len(good)/3]},
		{"foreign", []byte("hello world, not an index at all")},
		{"old format", func() []byte { b := slices.Clone(good); b[8] = 1; return b }()},
		{"empty", nil},
	} {
		os.WriteFile(index, bad.data, 0o600)
		got, st := cached(t, mem, dir, paths, 2)
		same(t, bad.what+" index", got, want)
		if len(st.Problems) != 1 || !strings.Contains(st.Problems[0], "index") || st.Parsed != 0 {
			t.Errorf("%s index: %+v", bad.what, st)
		}
		got, st = cached(t, mem, dir, paths, 2)
		same(t, bad.what+" index, rewritten", got, want)
		if len(st.Problems) != 0 || st.Parsed != 0 {
			t.Errorf("%s index, rewritten: %+v", bad.what, st)
		}
	}
	// A stale index: an entry removed and one replaced by another
	// (valid) entry behind its back.
	es := entries(t, dir)
	os.Remove(es[0])
	b1, _ := os.ReadFile(es[1])
	os.WriteFile(es[2], b1, 0o600)
	got, st := cached(t, mem, dir, paths, 2)
	same(t, "stale index", got, want)
	if st.Parsed != 2 || st.Stored != 2 {
		t.Errorf("stale index: %+v", st)
	}
	got, st = cached(t, mem, dir, paths, 1)
	same(t, "stale index, rewritten", got, want)
	if st.Parsed != 0 || len(st.Problems) != 0 {
		t.Errorf("stale index, rewritten: %+v", st)
	}
	// Prune drops the index with the entries it removes; the next run
	// rebuilds it from the entries' heads.
	if _, err := cache.Prune(context.Background(), dir, []string{"../../testdata/demo/cloudtrail/exports"}); err != nil {
		t.Fatal(err)
	}
	got, st = cached(t, mem, dir, paths, 2)
	same(t, "after prune", got, want)
	if _, err := os.Stat(index); err != nil || len(st.Problems) != 0 {
		t.Errorf("after prune: %+v, index %v", st, err)
	}
}

// TestConcurrentIndex: runs at once on one cache over different inputs
// and over changing files each rewrite the index; none loses another's
// entries for good, and every run's results stay exact.
func TestConcurrentIndex(t *testing.T) {
	mem := checked(t)
	in := t.TempDir()
	copyTree(t, "../../testdata/demo/cloudtrail", in)
	sets := [][]string{{in}, {filepath.Join(in, "exports")}, {"../../testdata/demo/reports", in}}
	dir := filepath.Join(t.TempDir(), "c")
	files := gzFiles(t, in)
	for round := range 3 {
		if round == 1 { // files change between the rounds
			b, _ := os.ReadFile(files[0])
			os.WriteFile(files[0], b[:len(b)/2], 0o644)
			os.Remove(files[1])
		}
		wants := make([]outcome, len(sets))
		for i, p := range sets {
			wants[i] = cold(t, mem, p)
		}
		outs := concurrently(t, mem, dir, 2*len(sets), func(i int) []string { return sets[i%len(sets)] }, func(i int) int { return 1 + i%2 })
		for i, o := range outs {
			same(t, fmt.Sprintf("round %d run %d", round, i), o, wants[i%len(sets)])
		}
	}
	// Whatever index the last writer left, a run over everything is exact
	// and serves every stored file from the cache.
	paths := []string{"../../testdata/demo/reports", in}
	got, st := cached(t, mem, dir, paths, 2)
	same(t, "after the concurrent runs", got, cold(t, mem, paths))
	if len(st.Problems) != 0 || st.Stored != 0 {
		t.Errorf("after the concurrent runs: %+v", st)
	}
}

// failingSink fails its n-th Facts call.
type failingSink struct {
	n, calls int
	cancel   func()
}

var errSinkFull = errors.New("sink full")

func (s *failingSink) Facts(facts.Table, arrow.Record) error {
	s.calls++
	if s.calls == s.n {
		if s.cancel != nil {
			s.cancel()
			return nil
		}
		return errSinkFull
	}
	return nil
}

// TestRunStops: a sink's error, or the context cancelled part way, stops
// a cold and a warm Run with that error, and every record of the files
// still in the pipeline is released (the checked allocator ends at zero).
func TestRunStops(t *testing.T) {
	in := t.TempDir()
	ctgenCorpus(t, in)
	dir := filepath.Join(t.TempDir(), "cache")
	// "entries": snapshots turned off, the files' own rows reach the sink
	// as the pipeline delivers them; otherwise the sink has the folded
	// rows of a new snapshot (cold), or a snapshot's (warm): fewer records.
	for _, run := range []string{"cold, entries", "cold", "warm", "warm, entries"} {
		t.Run(run, func(t *testing.T) {
			entriesOnly := strings.HasSuffix(run, "entries")
			cache.SetNoSnapshots(entriesOnly)
			defer cache.SetNoSnapshots(false)
			if strings.HasPrefix(run, "cold") {
				dir = filepath.Join(t.TempDir(), "cache")
			}
			for _, cancelled := range []bool{false, true} {
				mem := checked(t)
				c, err := cache.Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				sink := &failingSink{n: 40}
				if !entriesOnly {
					sink.n = 2
				}
				want := errSinkFull
				if cancelled {
					sink.cancel, want = cancel, context.Canceled
				}
				_, _, err = cache.Run(ctx, []string{in}, ingest.Options{Mem: mem, Workers: 2}, c, sink)
				cancel()
				if !errors.Is(err, want) {
					t.Errorf("cancelled=%v: err = %v, want %v", cancelled, err, want)
				}
			}
			if run == "cold" { // fill the cache (and a snapshot) for the warm runs
				if _, st := cached(t, checked(t), dir, []string{in}, 2); !st.SnapshotWritten {
					t.Fatalf("no snapshot written: %+v", st)
				}
			}
		})
	}
}
