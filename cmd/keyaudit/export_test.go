package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// exportedEvent is what TestExportEvents checks of each events.parquet row.
type exportedEvent struct {
	account, day string
}

// readEvents reads an events Parquet file back: its rows by event ID.
func readEvents(t *testing.T, path string, into map[string]exportedEvent) (rows int) {
	t.Helper()
	eachParquetRecord(t, path, func(rec arrow.Record) {
		ids := rec.Column(cloudtrail.ColEventID).(*array.String)
		times := rec.Column(cloudtrail.ColEventTime).(*array.Timestamp)
		unit := times.DataType().(*arrow.TimestampType).Unit
		accts := rec.Column(cloudtrail.ColRecipientAccountID).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			e := exportedEvent{
				account: accts.Value(i),
				day:     times.Value(i).ToTime(unit).UTC().Format(time.DateOnly),
			}
			id := ids.Value(i)
			if _, dup := into[id]; dup {
				t.Errorf("%s: event %s written twice", path, id)
			}
			into[id] = e
			rows++
		}
	})
	return rows
}

// TestExportEvents: export writes every distinct event once, to one file or
// to the partition of its recipient account and UTC day, with the codec
// asked for.
func TestExportEvents(t *testing.T) {
	const events = 3000
	g, err := ctgen.New(ctgen.Config{Events: events, Files: 12, Accounts: 3, Seed: 7, Dups: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	corpus := t.TempDir()
	st, err := g.WriteTo(corpus)
	if err != nil {
		t.Fatal(err)
	}
	distinct := st.Events - st.Duplicates

	out := t.TempDir()
	if code, _, stderr := runCLI(t, "", "export", "-q", "--compression", "zstd", "-o", out, corpus); code != exitOK && code != exitFindings {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	single := map[string]exportedEvent{}
	rows := readEvents(t, filepath.Join(out, "events.parquet"), single)
	if rows != distinct {
		t.Errorf("events.parquet has %d rows, want the %d distinct events", rows, distinct)
	}

	pout := t.TempDir()
	if code, _, stderr := runCLI(t, "", "export", "-q", "--partition", "-o", pout, corpus); code != exitOK && code != exitFindings {
		t.Fatalf("export --partition: exit %d: %s", code, stderr)
	}
	parts, err := filepath.Glob(filepath.Join(pout, "events", "account_id=*", "date=*", "*.parquet"))
	if err != nil || len(parts) < 3 {
		t.Fatalf("partitions %v (%v), want one per account and day", parts, err)
	}
	for path, want := range map[string]compress.Compression{
		filepath.Join(out, "events.parquet"):    compress.Codecs.Zstd,
		filepath.Join(out, "keys.parquet"):      compress.Codecs.Zstd,
		parts[0]:                                compress.Codecs.Snappy,
		filepath.Join(pout, "sessions.parquet"): compress.Codecs.Snappy,
	} {
		if got := codecOf(t, path); got != want {
			t.Errorf("%s is compressed with %s, want %s", path, got, want)
		}
	}
	partitioned := map[string]exportedEvent{}
	total := 0
	for _, p := range parts {
		seen := map[string]exportedEvent{}
		n := readEvents(t, p, seen)
		total += n
		rel, _ := filepath.Rel(filepath.Join(pout, "events"), p)
		dirs := strings.Split(filepath.ToSlash(rel), "/")
		for id, e := range seen {
			if dirs[0] != "account_id="+e.account || dirs[1] != "date="+e.day {
				t.Errorf("%s holds event %s of account %s on %s", rel, id, e.account, e.day)
				break
			}
			if _, dup := partitioned[id]; dup {
				t.Errorf("event %s is in two partitions", id)
			}
			partitioned[id] = e
		}
	}
	if total != distinct || len(partitioned) != len(single) {
		t.Errorf("partitions hold %d rows (%d distinct), events.parquet %d; want %d", total, len(partitioned), len(single), distinct)
	}
	for id := range single {
		if _, ok := partitioned[id]; !ok {
			t.Errorf("event %s is in events.parquet but in no partition", id)
			break
		}
	}
}

// codecOf returns the codec of a Parquet file's first column chunk.
func codecOf(t *testing.T, path string) compress.Compression {
	t.Helper()
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	cc, err := pf.MetaData().RowGroup(0).ColumnChunk(0)
	if err != nil {
		t.Fatal(err)
	}
	return cc.Compression()
}
