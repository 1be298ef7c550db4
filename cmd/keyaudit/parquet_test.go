package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/report"
)

// TestParquetMatchesCSV: every report's Parquet holds the same rows as its
// CSV, value for value, read back through pqarrow.
func TestParquetMatchesCSV(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range [][]string{
		{"audit", "--as-of", "2026-11-01"},
		{"keys", "--as-of", "2026-11-01"},
		{"sessions", "--as-of", "2026-11-01"},
		{"rotation", "--as-of", "2026-11-01"},
	} {
		t.Run(cmd[0], func(t *testing.T) {
			pq := filepath.Join(dir, cmd[0]+".parquet")
			args := append(append([]string{}, cmd...), "-q", "-f", "parquet", "-o", pq, demo)
			if code, _, stderr := runCLI(t, "", args...); code != exitOK && code != exitFindings {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			args = append(append([]string{}, cmd...), "-q", "-f", "csv", demo)
			code, out, stderr := runCLI(t, "", args...)
			if code != exitOK && code != exitFindings {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			want, err := csv.NewReader(bytes.NewReader([]byte(out))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			got := parquetRows(t, pq)
			if len(got) != len(want) || len(want) < 2 {
				t.Fatalf("parquet has %d rows (with header), CSV %d", len(got), len(want))
			}
			for i := range want {
				for j := range want[i] {
					if got[i][j] != want[i][j] {
						t.Errorf("row %d column %s: parquet %q, csv %q", i, want[0][j], got[i][j], want[i][j])
					}
				}
			}
		})
	}
}

// parquetRows reads a Parquet file back and renders it as the CSV writer
// would: header, then values (nulls empty).
func parquetRows(t *testing.T, path string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	var w report.Writer
	eachParquetRecord(t, path, func(rec arrow.Record) {
		if w == nil {
			var err error
			if w, err = report.NewWriter("csv", &buf, rec.Schema(), report.Options{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	})
	if w == nil {
		t.Fatalf("%s: no records", path)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// eachParquetRecord reads a Parquet file back through pqarrow, with a checked
// allocator, and calls fn with each of its records (released after fn).
func eachParquetRecord(t *testing.T, path string, fn func(arrow.Record)) {
	t.Helper()
	withParquetTable(t, path, func(tbl arrow.Table) {
		tr := array.NewTableReader(tbl, 0)
		defer tr.Release()
		for tr.Next() {
			fn(tr.Record())
		}
	})
}

// withParquetTable reads a Parquet file through pqarrow with a checked
// allocator and calls fn with the table (released after fn).
func withParquetTable(t *testing.T, path string, fn func(arrow.Table)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, err := report.ReadParquet(mem, f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer tbl.Release()
	fn(tbl)
}
