package report

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// rowEvents maps row r to {"row":r,"rows":N}.
type rowEvents struct{ fail int }

func (m rowEvents) AppendEvent(b []byte, rec arrow.Record, r int) ([]byte, error) {
	if r == m.fail {
		return b, errors.New("cannot map")
	}
	return fmt.Appendf(b, `{"row":%d,"rows":%d}`, r, rec.NumRows()), nil
}

func TestEventWriter(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows)
	defer rec.Release()
	var buf bytes.Buffer
	w, err := NewWriter(FormatOCSF, &buf, fixtureSchema, Options{Events: rowEvents{fail: -1}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var want string
	for range 2 {
		for r := range len(fixtureRows) {
			want += fmt.Sprintf("{\"row\":%d,\"rows\":%d}\n", r, len(fixtureRows))
		}
	}
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}

	if _, err := NewWriter(FormatOCSF, &buf, fixtureSchema, Options{}); !errors.Is(err, ErrNoEventMapper) {
		t.Errorf("without a mapper: %v, want ErrNoEventMapper", err)
	}
	w, _ = NewWriter(FormatOCSF, &buf, fixtureSchema, Options{Events: rowEvents{fail: 1}})
	if err := w.Write(rec); err == nil || err.Error() != "write events: row 1: cannot map" {
		t.Errorf("a mapper error: %v", err)
	}
}

func TestFormatForPath(t *testing.T) {
	for path, want := range map[string]string{
		"f.csv": FormatCSV, "f.JSON": FormatJSON, "f.ndjson": FormatNDJSON, "f.jsonl": FormatNDJSON, "f.parquet": FormatParquet,
		"f.ocsf.json": FormatOCSF, "out/F.OCSF.JSONL": FormatOCSF, "ocsf.json": FormatJSON, "f.ocsf": "", "f.ocsf.csv": FormatCSV, "f.txt": "",
	} {
		got, ok := FormatForPath(path)
		if got != want || ok != (want != "") {
			t.Errorf("FormatForPath(%q) = %q, %v, want %q", path, got, ok, want)
		}
	}
}
