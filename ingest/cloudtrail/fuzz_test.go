package cloudtrail

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzDecodeFile checks that no input makes the decoder panic, leak Arrow
// memory or break the accounting, whatever format it is decoded as.
func FuzzDecodeFile(f *testing.F) {
	f.Add([]byte(`{"Records":[{"eventTime":"2023-07-10T11:42:18Z","eventID":"a","userIdentity":{"type":"IAMUser","sessionContext":{"attributes":{"creationDate":"Jul 10, 2023, 12:09:47 PM"}}},"requestParameters":{"x":{"sessionToken":"t"}},"readOnly":"true"}]}`))
	f.Add([]byte(`{"Events":[{"CloudTrailEvent":"{\"eventTime\":\"20131102T010628Z\",\"responseElements\":{\"credentials\":{\"accessKeyId\":\"ASIA\"}}}"}]}`))
	f.Add([]byte("[{\"eventTime\":\"2023-07-10T11:42:18.5+01:00\",\"userAgent\":\"\\ud83d\\ude00\"}, null, 1]"))
	f.Add([]byte("{\"eventTime\":\"Jul 18, 2014 4:07:39 PM\"}\n{\"eventName\":1}\n"))
	f.Add([]byte(`{"Records":[[[[[[[[[[[[[[[[[[`))
	if files, _ := filepath.Glob("../testdata/tree/*/*.json"); len(files) > 0 {
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		d := NewDecoder(mem)
		defer d.Release()
		d.BatchRows = 3
		rows := int64(0)
		d.Emit = func(r arrow.Record) error {
			for _, c := range r.Columns() {
				if err := c.Data().(*array.Data); err == nil {
					t.Fatal("no data")
				}
				if c.Len() != int(r.NumRows()) {
					t.Errorf("column of %d rows in a record of %d", c.Len(), r.NumRows())
				}
			}
			rows += r.NumRows()
			r.Release()
			return nil
		}
		seen := map[string]bool{}
		d.Seen = func(id []byte, _ int) bool { dup := seen[string(id)]; seen[string(id)] = true; return dup }
		formats := []Format{Detect(data), FormatRecords, FormatLookupEvents, FormatArray, FormatObjects}
		for _, fm := range formats {
			if _, err := d.DecodeFile(data, fm); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.DecodeLine(data, 0, 1); err != nil {
			t.Fatal(err)
		}
		if err := d.Flush(); err != nil {
			t.Fatal(err)
		}
		s := d.Stats
		if s.Records != s.Used+s.Skipped+s.Rejected+s.Duplicate || rows != s.Used {
			t.Fatalf("accounting: %+v, %d rows", s, rows)
		}
		_, _ = ParseTime(data)
		_ = LooksLikeEvent(data)
		_ = IsCompleteValue(data)
	})
}
