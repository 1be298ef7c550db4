package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/file"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/ctgen"
)

// exportedEvent is what TestExportEvents checks of each events.parquet row.
type exportedEvent struct {
	account, day string
	order        [4]string // apiOrder's key: source, name, caller type, failed
}

// readEvents reads an events Parquet file back: its rows by event ID, and
// how often a row sorts before the row above it in apiOrder.
func readEvents(t *testing.T, path string, into map[string]exportedEvent) (rows, descents int) {
	t.Helper()
	var prev *[4]string
	eachParquetRecord(t, path, func(rec arrow.Record) {
		str := func(col, i int) string { return rec.Column(col).(*array.String).Value(i) }
		ids := rec.Column(cloudtrail.ColEventID).(*array.String)
		times := rec.Column(cloudtrail.ColEventTime).(*array.Timestamp)
		unit := times.DataType().(*arrow.TimestampType).Unit
		for i := 0; i < int(rec.NumRows()); i++ {
			failed := "0"
			if rec.Column(cloudtrail.ColErrorCode).IsValid(i) {
				failed = "1"
			}
			e := exportedEvent{
				account: str(cloudtrail.ColRecipientAccountID, i),
				day:     times.Value(i).ToTime(unit).UTC().Format(time.DateOnly),
				order:   [4]string{str(cloudtrail.ColEventSource, i), str(cloudtrail.ColEventName, i), str(cloudtrail.ColUIType, i), failed},
			}
			id := ids.Value(i)
			if _, dup := into[id]; dup {
				t.Errorf("%s: event %s written twice", path, id)
			}
			into[id] = e
			if prev != nil && less(e.order, *prev) {
				descents++
			}
			prev = &e.order
			rows++
		}
	})
	return rows, descents
}

func less(a, b [4]string) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// TestExportEvents: export writes every distinct event once, to one file or
// to the partition of its recipient account and UTC day, and each batch of
// rows in apiOrder (so the file has few places where the order restarts,
// where the generator's order has hundreds).
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
	rows, descents := readEvents(t, filepath.Join(out, "events.parquet"), single)
	if rows != distinct {
		t.Errorf("events.parquet has %d rows, want the %d distinct events", rows, distinct)
	}
	// One batch per 8,192 rows and per worker at most, each sorted.
	if descents > 4 {
		t.Errorf("events.parquet leaves apiOrder %d times, want at most 4 (one per batch boundary)", descents)
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
		n, _ := readEvents(t, p, seen)
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
