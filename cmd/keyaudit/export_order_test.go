package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/keyaudit/keyaudit/ingest"
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

// TestExportSameBytes: whatever --workers, export writes the same bytes,
// to one file and to partitions (the corpus has duplicates across files,
// so which copy is kept must not depend on timing either).
func TestExportSameBytes(t *testing.T) {
	corpus := orderCorpus(t)
	for _, mode := range [][]string{nil, {"--partition"}} {
		var want map[string][]byte
		var wantName string
		for _, workers := range []int{1, 2, 4, 3} {
			name := fmt.Sprintf("%v workers=%d", mode, workers)
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

// walkOrderKeys returns the events of corpus as one worker without
// WalkOrder delivers them (files one after another in walk order, the
// first copy of a duplicate kept): the order the README documents, found
// without the reorder window. Each event is named by its ID, time and
// source IP.
func walkOrderKeys(t *testing.T, corpus string) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var keys []string
	sink := eventsFunc(func(rec arrow.Record) error {
		keys = append(keys, eventKeys(rec)...)
		return nil
	})
	if _, err := ingest.Run(t.Context(), []string{corpus}, ingest.Options{Mem: mem, Workers: 1}, sink); err != nil {
		t.Fatal(err)
	}
	return keys
}

type eventsFunc func(arrow.Record) error

func (f eventsFunc) Events(rec arrow.Record) error { return f(rec) }

func eventKeys(rec arrow.Record) []string {
	ts := rec.Column(cloudtrail.ColEventTime).(*array.Timestamp)
	ids := rec.Column(cloudtrail.ColEventID).(*array.String)
	ips := rec.Column(cloudtrail.ColSourceIPAddress).(*array.String)
	keys := make([]string, rec.NumRows())
	for i := range keys {
		keys[i] = fmt.Sprintf("%s|%d|%s", ids.Value(i), ts.Value(i), ips.Value(i))
	}
	return keys
}

// TestExportRowOrder: in events.parquet, rows are in the README's order,
// walk order (files in walk order, records in file order, the first copy
// of a duplicate in walk order kept); in each partition file, the rows of
// that partition in the same order. With 1, 2 and 4 workers.
func TestExportRowOrder(t *testing.T) {
	corpus := orderCorpus(t)
	want := walkOrderKeys(t, corpus)
	pos := make(map[string]int, len(want))
	for i, k := range want {
		if _, dup := pos[k]; dup {
			t.Fatalf("event %s twice in the reference", k)
		}
		pos[k] = i
	}
	for _, workers := range []string{"1", "2", "4"} {
		for _, mode := range [][]string{nil, {"--partition"}} {
			files := exportFiles(t, corpus, append([]string{"--workers", workers}, mode...)...)
			got := map[string]bool{}
			checked := 0
			for p, b := range files {
				if !strings.HasPrefix(p, "events") {
					continue
				}
				path := filepath.Join(t.TempDir(), "f.parquet")
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
				var keys []string
				eachParquetRecord(t, path, func(rec arrow.Record) { keys = append(keys, eventKeys(rec)...) })
				if len(keys) == 0 {
					t.Fatalf("%s: no rows", p)
				}
				if mode == nil && !slices.Equal(keys, want) {
					i := 0
					for i < min(len(keys), len(want)) && keys[i] == want[i] {
						i++
					}
					t.Fatalf("workers=%s %s: %d rows, want %d in walk order; first difference at row %d", workers, p, len(keys), len(want), i)
				}
				last := -1
				for r, k := range keys {
					i, ok := pos[k]
					if !ok || got[k] {
						t.Fatalf("workers=%s %s row %d: %s is not an event of the walk, or written twice", workers, p, r, k)
					}
					if i < last {
						t.Fatalf("workers=%s %s row %d: %s is before the previous row in walk order", workers, p, r, k)
					}
					got[k], last = true, i
				}
				checked++
			}
			if checked == 0 || len(got) != len(want) {
				t.Fatalf("workers=%s %v: %d events in %d files, want %d", workers, mode, len(got), checked, len(want))
			}
		}
	}
}

// TestExportRowGroups: events.parquet is cut into row groups of
// eventsRowGroupBytes, and each has min/max statistics on event_time and
// recipient_account_id. In walk order of an S3 delivery tree
// (AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD), the row groups' account
// ranges follow one another, so a reader filtering on an account skips the
// others' row groups. (Their event_time ranges overlap: each account and
// region starts the time range again; see the README.)
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
	var lastAcct string
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
			switch c {
			case timeCol:
				if ts := st.(*metadata.Int64Statistics); ts.Min() > ts.Max() {
					t.Errorf("row group %d: event_time min %d > max %d", rg, ts.Min(), ts.Max())
				}
			case acctCol:
				as := st.(*metadata.ByteArrayStatistics)
				if lo := string(as.Min()); lo < lastAcct {
					t.Errorf("row group %d starts at account %s, before the previous one's %s", rg, lo, lastAcct)
				}
				lastAcct = string(as.Max())
			}
		}
	}
}
