package report

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var dictSchema = arrow.NewSchema([]arrow.Field{
	{Name: "region", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func buildDictRecord(t *testing.T, mem memory.Allocator) arrow.Record {
	t.Helper()
	b := array.NewRecordBuilder(mem, dictSchema)
	defer b.Release()
	db := b.Field(0).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"us-east-1", "eu-west-1", "us-east-1"} {
		if err := db.AppendString(s); err != nil {
			t.Fatal(err)
		}
	}
	db.AppendNull()
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1, 2, 3, 4}, nil)
	return b.NewRecord()
}

// TestDictionaryColumns: dictionary-encoded strings render as their
// values in every format and survive a Parquet round trip.
func TestDictionaryColumns(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildDictRecord(t, mem)
	defer rec.Release()
	want := map[string]string{
		FormatCSV:    "region,n\nus-east-1,1\neu-west-1,2\nus-east-1,3\n,4\n",
		FormatNDJSON: `{"region":"us-east-1","n":1}` + "\n" + `{"region":"eu-west-1","n":2}` + "\n" + `{"region":"us-east-1","n":3}` + "\n" + `{"region":null,"n":4}` + "\n",
	}
	for format, w := range want {
		var buf bytes.Buffer
		wr, err := NewWriter(format, &buf, dictSchema, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := wr.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := wr.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.String() != w {
			t.Errorf("%s:\n%s\nwant:\n%s", format, buf.String(), w)
		}
	}

	var buf bytes.Buffer
	wr, err := NewWriter(FormatParquet, &buf, dictSchema, Options{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	if err := wr.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	tbl, err := ReadParquet(mem, bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	got := strings.Join(tableRows(t, tbl), "\n")
	if exp := strings.Join(recordRows(rec), "\n"); got != exp {
		t.Errorf("dictionary column read back:\n%s\nwant:\n%s", got, exp)
	}
}

// TestParquetCallerReleasesEarly: the Parquet writer buffers rows, so it
// must hold its own reference; the caller releasing right after Write
// must not corrupt or leak anything.
func TestParquetCallerReleasesEarly(t *testing.T) {
	mem := checkedAlloc(t)
	var want []string
	var buf bytes.Buffer
	w, err := NewParquetWriter(&buf, fixtureSchema, Options{Allocator: mem, RowGroupBytes: 2048})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		rec := buildRecord(t, mem, fixtureRows[i%len(fixtureRows):])
		want = append(want, recordRows(rec)...)
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		// Overwrite freed memory patterns by allocating and filling more.
		junk := buildRecord(t, mem, fixtureRows)
		junk.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tbl, err := ReadParquet(mem, bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	got := tableRows(t, tbl)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows differ after early release (%d vs %d rows)", len(got), len(want))
	}
}

func TestTableCustomColorize(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows[:2])
	defer rec.Release()
	mark := func(col, val string) string {
		if col == "user" {
			return "\x1b[7m" + val + "\x1b[0m"
		}
		return val
	}
	on := string(writeAll(t, FormatTable, Options{Columns: []string{"user", "severity"}, Color: true, Colorize: mark}, rec))
	off := string(writeAll(t, FormatTable, Options{Columns: []string{"user", "severity"}, Colorize: mark}, rec))
	if !strings.Contains(on, "\x1b[7malice\x1b[0m") {
		t.Errorf("Colorize not applied with Color on:\n%q", on)
	}
	if strings.Contains(off, "\x1b[") {
		t.Errorf("escape sequences written with Color off:\n%q", off)
	}
	if strings.Contains(on, "\x1b[31m") {
		t.Errorf("custom Colorize should replace the severity default:\n%q", on)
	}
	// Colour must not change the layout: strip it and compare.
	stripped := strings.NewReplacer("\x1b[7m", "", "\x1b[0m", "").Replace(on)
	if stripped != off {
		t.Errorf("colour changed the layout:\n%s\nvs\n%s", stripped, off)
	}
}

// TestAbortAllConcurrent runs AbortAll while files are being written and
// created, for the race detector.
func TestAbortAllConcurrent(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				f, err := Create(dir+"/f"+string(rune('a'+g)), nil)
				if err != nil {
					t.Error(err)
					return
				}
				f.Write([]byte("data"))
				if i%2 == 0 {
					f.Commit()
				} else {
					f.Abort()
				}
			}
		}(g)
	}
	for i := 0; i < 10; i++ {
		AbortAll()
	}
	wg.Wait()
	AbortAll()
	for _, name := range leftovers(t, dir) {
		if strings.Contains(name, ".tmp-") {
			t.Errorf("temporary %s left behind", name)
		}
	}
}
