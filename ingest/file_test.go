package ingest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	internaldatasets "github.com/keyaudit/keyaudit/internal/datasets"
)

// splitRun reads paths as a per-file cache does: Walk, one FileReader.Read
// per file with the fingerprints met in earlier files excluded, Merge.
func splitRun(t *testing.T, mem memory.Allocator, paths []string, opts Options) (*Result, *collect) {
	t.Helper()
	opts.Mem = mem
	files, walk := Walk(context.Background(), paths)
	fr, err := NewFileReader(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer fr.Close()
	sink := &collect{}
	parts := []*Result{walk}
	seen := map[uint64]bool{}
	for _, f := range files {
		// First pass: the file alone, to learn its fingerprints.
		_, ids, err := fr.Read(context.Background(), f, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var excl []uint64
		for _, h := range ids {
			if seen[h] {
				excl = append(excl, h)
			}
		}
		res, ids2, err := fr.Read(context.Background(), f, excl, sink)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids2) != len(ids)-len(excl) {
			t.Errorf("%s: %d fingerprints with %d excluded, want %d", f, len(ids2), len(excl), len(ids)-len(excl))
		}
		for _, h := range ids {
			seen[h] = true
		}
		parts = append(parts, res)
	}
	return Merge(parts...), sink
}

func resultJSON(t *testing.T, r *Result) string {
	t.Helper()
	type view struct {
		Stats      map[Kind]*Counts
		Errors     []string
		Skipped    []SkippedFile
		Reports    []string
		Superseded []Superseded
		KeyIDs     []string
		Hashes     []FileHash
	}
	v := view{Stats: r.Stats, Errors: errStrings(r.Errors), Skipped: r.Skipped, Superseded: r.Superseded, KeyIDs: r.KeyIDs, Hashes: r.FileHashes}
	for _, rep := range r.Reports {
		v.Reports = append(v.Reports, rep.File+" "+rep.AccountID)
	}
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSplitRunMatchesRun: Walk + FileReader + Merge find what Run finds,
// rows and accounting, with duplicates across files dropped in walk order.
func TestSplitRunMatchesRun(t *testing.T) {
	cases := [][]string{
		{"testdata/tree"},
		{"../testdata/demo"},
		{"testdata/tree/other", "testdata/tree", "-"},
	}
	if dir, err := internaldatasets.Find("cloudtrail"); err == nil {
		cases = append(cases, []string{filepath.Join(dir, "traildiscover-logexamples"), filepath.Join(dir, "aws-cloudtrail-processing-library-fixtures")})
	}
	for _, paths := range cases {
		t.Run(filepath.Base(paths[0]), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			hash := func(p string) bool { return filepath.Ext(p) == ".gz" }
			want, wantRows := run(t, paths, Options{Workers: 1, HashFiles: hash})
			got, gotRows := splitRun(t, mem, paths, Options{Workers: 1, HashFiles: hash})
			checkAccounting(t, got, int64(len(gotRows.rows)))
			if a, b := resultJSON(t, want), resultJSON(t, got); a != b {
				t.Errorf("split Result differs from Run's:\n%s\nwant:\n%s", b, a)
			}
			a, _ := json.Marshal(wantRows.sorted(t))
			b, _ := json.Marshal(gotRows.sorted(t))
			if string(a) != string(b) {
				t.Errorf("split rows differ from Run's (%d rows, want %d)", len(gotRows.rows), len(wantRows.rows))
			}
		})
	}
}
