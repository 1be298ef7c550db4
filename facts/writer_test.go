package facts_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/keyaudit/keyaudit/facts"
)

const demo = "../testdata/demo/cloudtrail"

// demoSet is the demo's facts, sorted. The caller releases it.
func demoSet(t *testing.T, mem memory.Allocator) *facts.Set {
	t.Helper()
	set, _, _ := aggregate(t, mem, []string{demo}, 2, facts.Options{Sorted: true})
	return set
}

// writeSet writes s to dir with a Writer.
func writeSet(t *testing.T, mem memory.Allocator, s *facts.Set, dir string, opts facts.WriterOptions) {
	t.Helper()
	w, err := facts.NewWriter(mem, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := s.Replay(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readSet reads dirs into a Set. The caller releases it.
func readSet(t *testing.T, mem memory.Allocator, batch int, dirs ...string) (*facts.Set, *facts.ReadStats) {
	t.Helper()
	out := &facts.Set{}
	st, err := facts.Reader{Mem: mem, BatchRows: batch}.Read(context.Background(), dirs, out)
	if err != nil {
		out.Release()
		t.Fatal(err)
	}
	return out, st
}

// TestWriteReadRoundTrip: the Aggregator's sorted facts of the demo,
// written and read back, are the same rows in the same order; a second
// write gives the same bytes.
func TestWriteReadRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := demoSet(t, mem)
	defer set.Release()

	base := t.TempDir()
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	opts := facts.WriterOptions{Producer: "keyaudit test native", Scope: "accounts in (demo)", Missing: []string{"x_col"}}
	writeSet(t, mem, set, a, opts)
	writeSet(t, mem, set, b, opts)

	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		name := tb.String() + ".parquet"
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: two writes of the same rows differ", name)
		}
		t.Logf("%s: %d bytes", name, len(x))
	}
	ents, _ := os.ReadDir(base)
	if len(ents) != 2 {
		t.Errorf("left in the parent: %v (want only a and b)", ents)
	}

	back, st := readSet(t, mem, 7, a) // small batches: many records per table
	defer back.Release()
	if got, want := dump(t, back), dump(t, set); got != want {
		t.Errorf("read back differs from the written set:\n%s", firstDiff(got, want))
	}
	s := st.Sets[0]
	if s.Producer != opts.Producer || s.Scope != opts.Scope || s.Dedup != facts.DedupEventID || strings.Join(s.Missing, ",") != "x_col" {
		t.Errorf("stats = %+v", s)
	}
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		if s.Rows[tb] != set.Rows(tb) || st.Rows(tb) != set.Rows(tb) {
			t.Errorf("%s: stats say %d rows, want %d", tb, s.Rows[tb], set.Rows(tb))
		}
		if set.Rows(tb) > 7 && len(back.Records[tb]) < 2 {
			t.Errorf("%s: %d records for %d rows with BatchRows 7", tb, len(back.Records[tb]), set.Rows(tb))
		}
	}
	if s.Rows[facts.Manifest] != int64(facts.Manifest) {
		t.Errorf("manifest rows = %d", s.Rows[facts.Manifest])
	}
	if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "x_col") {
		t.Errorf("warnings = %q, want one about x_col", st.Warnings)
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + ":\n got " + g[i] + "\nwant " + w[i]
		}
	}
	return "lengths " + strconv.Itoa(len(g)) + " and " + strconv.Itoa(len(w))
}

// TestWriterParquetSettings checks the properties PARQUET.md asks for on
// what the Writer writes: REQUIRED root, no timestamps or unsigned types,
// a compressed format 2.x file.
func TestWriterParquetSettings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := demoSet(t, mem)
	defer set.Release()
	dir := filepath.Join(t.TempDir(), "facts")
	writeSet(t, mem, set, dir, facts.WriterOptions{})
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		pf, err := file.OpenParquetFile(filepath.Join(dir, tb.String()+".parquet"), false, file.WithReadProps(parquet.NewReaderProperties(mem)))
		if err != nil {
			t.Fatal(err)
		}
		sc := pf.MetaData().Schema
		if rep := sc.Root().RepetitionType(); rep != parquet.Repetitions.Required {
			t.Errorf("%s: root repetition %s", tb, rep)
		}
		for i := 0; i < sc.NumColumns(); i++ {
			col := sc.Column(i)
			switch lt := col.LogicalType().(type) {
			case *schema.TimestampLogicalType:
				t.Errorf("%s.%s: a timestamp (times are int64 ms)", tb, col.Name())
			case *schema.IntLogicalType:
				if !lt.IsSigned() {
					t.Errorf("%s.%s: unsigned", tb, col.Name())
				}
			}
			if col.PhysicalType() == parquet.Types.Int96 {
				t.Errorf("%s.%s: INT96", tb, col.Name())
			}
		}
		if pf.NumRowGroups() > 0 {
			if c, _ := pf.MetaData().RowGroup(0).ColumnChunk(0); c.Compression().String() != "ZSTD" {
				t.Errorf("%s: compression %s, want ZSTD", tb, c.Compression())
			}
		}
		if got, want := pf.NumRows(), set.Rows(tb); tb != facts.Manifest && got != want {
			t.Errorf("%s: %d rows in the file, %d in the set", tb, got, want)
		}
		pf.Close()
	}
}

// TestWriterEmptyTables: a set with no rows still has every table, with 0
// rows, and reads back.
func TestWriterEmptyTables(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := filepath.Join(t.TempDir(), "empty")
	writeSet(t, mem, &facts.Set{}, dir, facts.WriterOptions{Dedup: facts.DedupNone})
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		if _, err := os.Stat(filepath.Join(dir, tb.String()+".parquet")); err != nil {
			t.Error(err)
		}
	}
	back, st := readSet(t, mem, 0, dir)
	defer back.Release()
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		if back.Rows(tb) != 0 {
			t.Errorf("%s: %d rows", tb, back.Rows(tb))
		}
	}
	if st.Sets[0].Dedup != facts.DedupNone {
		t.Errorf("dedup = %q", st.Sets[0].Dedup)
	}
	// A table with 0 rows may be absent.
	os.Remove(filepath.Join(dir, "principals.parquet"))
	back2, _ := readSet(t, mem, 0, dir)
	back2.Release()
}

// TestWriterReplace: a fact set is replaced; anything else is refused;
// Abort leaves the path as it was.
func TestWriterReplace(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := demoSet(t, mem)
	defer set.Release()
	base := t.TempDir()
	dir := filepath.Join(base, "facts")
	writeSet(t, mem, &facts.Set{}, dir, facts.WriterOptions{})
	writeSet(t, mem, set, dir, facts.WriterOptions{}) // replaces the empty set
	back, _ := readSet(t, mem, 0, dir)
	if back.Rows(facts.KeyUse) != set.Rows(facts.KeyUse) {
		t.Errorf("replaced set has %d key_use rows, want %d", back.Rows(facts.KeyUse), set.Rows(facts.KeyUse))
	}
	back.Release()

	// Abort: the old set stays, nothing else is left.
	w, err := facts.NewWriter(mem, dir, facts.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Replay(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil {
		t.Error("Close after Abort succeeded")
	}
	if ents, _ := os.ReadDir(base); len(ents) != 1 {
		t.Errorf("after Abort the parent holds %v", ents)
	}
	back, _ = readSet(t, mem, 0, dir)
	back.Release()

	other := filepath.Join(base, "other")
	os.Mkdir(other, 0o755)
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	if _, err := facts.NewWriter(mem, other, facts.WriterOptions{}); !errors.Is(err, facts.ErrNotFactSetDir) || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("NewWriter over a directory of notes: %v", err)
	}
	noManifest := filepath.Join(base, "nomanifest")
	os.Mkdir(noManifest, 0o755)
	os.WriteFile(filepath.Join(noManifest, "key_use.parquet"), []byte("x"), 0o644)
	if _, err := facts.NewWriter(mem, noManifest, facts.WriterOptions{}); !errors.Is(err, facts.ErrNotFactSetDir) {
		t.Errorf("NewWriter over a directory without a manifest: %v", err)
	}
	aFile := filepath.Join(base, "file")
	os.WriteFile(aFile, nil, 0o644)
	if _, err := facts.NewWriter(mem, aFile, facts.WriterOptions{}); !errors.Is(err, facts.ErrNotFactSetDir) {
		t.Errorf("NewWriter over a file: %v", err)
	}
	if _, err := facts.NewWriter(mem, filepath.Join(base, "x"), facts.WriterOptions{Dedup: "maybe"}); err == nil {
		t.Error("dedup maybe accepted")
	}
	if b, _ := os.ReadFile(filepath.Join(other, "notes.txt")); string(b) != "mine" {
		t.Error("the refused directory was changed")
	}
}
