package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLongFirstLine: an event on one line longer than MaxRecordBytes is
// rejected as too long, not read whole; the next line is still used.
func TestLongFirstLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "export.jsonl")
	long := `{"eventTime":"2026-10-01T00:00:00Z","eventID":"long","userAgent":"` + strings.Repeat("a", 1<<20) + `"}` + "\n"
	next := `{"eventTime":"2026-10-01T00:00:01Z","eventID":"next","eventName":"ListBuckets"}` + "\n"
	if err := os.WriteFile(p, []byte(long+next), 0o644); err != nil {
		t.Fatal(err)
	}
	res, sink := run(t, []string{p}, Options{MaxRecordBytes: 256 << 10})
	if len(sink.rows) != 1 || sink.rows[0]["event_id"] != "next" {
		t.Fatalf("rows = %v, want only the event after the long line", sink.rows)
	}
	if len(res.Errors) != 1 || !errors.Is(res.Errors[0], ErrLineTooLong) || res.Errors[0].Line != 1 {
		t.Fatalf("errors = %v, want line 1 too long", res.Errors)
	}
	if c := res.Stats[KindJSONLines]; c == nil || c.Records != 2 || c.Rejected != 1 || c.Used != 1 {
		t.Fatalf("stats = %+v", c)
	}
}
