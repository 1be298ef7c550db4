package main

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// orderCorpus writes a ctgen corpus with duplicates for the order tests.
func orderCorpus(t *testing.T) string {
	t.Helper()
	g, err := ctgen.New(ctgen.Config{Events: 4000, Files: 16, Accounts: 3, Seed: 11, Dups: 0.03})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := g.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// exportFiles runs export with args and returns every file it wrote by
// path under out.
func exportFiles(t *testing.T, corpus string, args ...string) map[string][]byte {
	t.Helper()
	out := t.TempDir()
	args = append(append([]string{"export", "-q", "--as-of", "2026-11-01", "-o", out}, args...), corpus)
	if code, _, stderr := runCLI(t, "", args...); code != exitOK && code != exitFindings {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(out, p)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestExportSameBytes: whatever --workers and however small the sort's
// memory (runs spilled, and more runs than one merge takes), export writes
// the same bytes, to one file and to partitions.
func TestExportSameBytes(t *testing.T) {
	corpus := orderCorpus(t)
	defer func(b int64) { eventsSortBytes = b }(eventsSortBytes)
	for _, mode := range [][]string{nil, {"--partition"}} {
		var want map[string][]byte
		var wantName string
		for _, sortBytes := range []int64{32 << 20, 64 << 10} {
			eventsSortBytes = sortBytes
			for _, workers := range []int{1, 2, 4} {
				name := fmt.Sprintf("%v sort=%d workers=%d", mode, sortBytes, workers)
				got := exportFiles(t, corpus, append([]string{"--workers", fmt.Sprint(workers)}, mode...)...)
				if want == nil {
					want, wantName = got, name
					if len(got) < 6 {
						t.Fatalf("%s: only %d files", name, len(got))
					}
					continue
				}
				if len(got) != len(want) {
					t.Fatalf("%s wrote %d files, %s %d", name, len(got), wantName, len(want))
				}
				for p, b := range want {
					if !bytes.Equal(got[p], b) {
						t.Errorf("%s: %s differs from %s's", name, p, wantName)
					}
				}
			}
		}
	}
}

// TestExportRowOrder: in events.parquet and in each partition, rows are in
// the README's order: event_time, then event_id (nulls first).
func TestExportRowOrder(t *testing.T) {
	corpus := orderCorpus(t)
	for _, mode := range [][]string{nil, {"--partition"}} {
		files := exportFiles(t, corpus, mode...)
		checked := 0
		for p, b := range files {
			if !strings.HasPrefix(p, "events") {
				continue
			}
			path := filepath.Join(t.TempDir(), "f.parquet")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			type key struct {
				t  int64
				id string
			}
			var prev *key
			rows := 0
			eachParquetRecord(t, path, func(rec arrow.Record) {
				ts := rec.Column(cloudtrail.ColEventTime).(*array.Timestamp)
				ids := rec.Column(cloudtrail.ColEventID).(*array.String)
				for i := range int(rec.NumRows()) {
					k := key{int64(ts.Value(i)), ids.Value(i)}
					if prev != nil && cmp.Or(cmp.Compare(prev.t, k.t), strings.Compare(prev.id, k.id)) > 0 {
						t.Fatalf("%s row %d: (%d, %s) after (%d, %s)", p, rows, k.t, k.id, prev.t, prev.id)
					}
					prev = &k
					rows++
				}
			})
			if rows == 0 {
				t.Fatalf("%s: no rows", p)
			}
			checked++
		}
		if checked == 0 {
			t.Fatalf("%v: no events files", mode)
		}
	}
}

// TestExportRowGroups: events.parquet is cut into row groups of
// eventsRowGroupBytes, and each has min/max statistics on event_time and
// recipient_account_id; being sorted, the row groups' event_time ranges
// follow one another, so a reader skips all but the ones a time filter
// needs.
func TestExportRowGroups(t *testing.T) {
	corpus := orderCorpus(t)
	defer func(b int64) { eventsRowGroupBytes = b }(eventsRowGroupBytes)
	eventsRowGroupBytes = 512 << 10
	files := exportFiles(t, corpus)
	pf, err := file.NewParquetReader(bytes.NewReader(files["events.parquet"]))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	md := pf.MetaData()
	if md.NumRowGroups() < 3 {
		t.Fatalf("%d row groups, want several at %d bytes each", md.NumRowGroups(), eventsRowGroupBytes)
	}
	timeCol := md.Schema.ColumnIndexByName(cloudtrail.ColumnNames[cloudtrail.ColEventTime])
	acctCol := md.Schema.ColumnIndexByName(cloudtrail.ColumnNames[cloudtrail.ColRecipientAccountID])
	var lastMax int64
	for rg := range md.NumRowGroups() {
		g := md.RowGroup(rg)
		for _, c := range []int{timeCol, acctCol} {
			cc, err := g.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			st, err := cc.Statistics()
			if err != nil || st == nil || !st.HasMinMax() {
				t.Fatalf("row group %d column %s: no min/max statistics (%v)", rg, cc.PathInSchema(), err)
			}
			if c == timeCol {
				ts := st.(*metadata.Int64Statistics)
				if ts.Min() < lastMax {
					t.Errorf("row group %d starts at %d, before the previous one's end %d", rg, ts.Min(), lastMax)
				}
				lastMax = ts.Max()
			}
		}
	}
}
