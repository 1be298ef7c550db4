package cloudtrail

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/internal/datasets"
)

// outcome is everything a decode produces, in comparable form.
type outcome struct {
	Rows     []string
	Stats    Stats
	Rejects  []string
	InputErr string
}

// decodeWith decodes data as format f, whole (window 0) or streamed
// through windows of the given size read in chunks of at most chunk bytes.
func decodeWith(t testing.TB, data []byte, f Format, window, chunk int) outcome {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := NewDecoder(mem)
	defer d.Release()
	d.BatchRows = 4
	var o outcome
	d.Emit = func(r arrow.Record) error {
		defer r.Release()
		for i := 0; i < int(r.NumRows()); i++ {
			var row []string
			for _, c := range r.Columns() {
				row = append(row, c.ValueStr(i))
			}
			o.Rows = append(o.Rows, strings.Join(row, "|"))
		}
		return nil
	}
	seen := map[string]bool{}
	d.Seen = func(id []byte, _ int) bool { dup := seen[string(id)]; seen[string(id)] = true; return dup }
	d.Reject = func(e *RecordError) { o.Rejects = append(o.Rejects, e.Error()) }
	var inErr error
	if window == 0 {
		var fatal error
		inErr, fatal = d.DecodeFile(data, f)
		if fatal != nil {
			t.Fatal(fatal)
		}
	} else {
		var r io.Reader = bytes.NewReader(data)
		if chunk > 0 {
			r = iotest.HalfReader(&chunked{r: r, n: chunk})
		}
		var readErr, fatal error
		inErr, readErr, fatal = d.DecodeStream(r, f, window, 1<<20)
		if fatal != nil || readErr != nil {
			t.Fatal(fatal, readErr)
		}
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	o.Stats = d.Stats
	if inErr != nil {
		o.InputErr = inErr.Error()
	}
	return o
}

// chunked returns at most n bytes per Read.
type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

// checkStreamed checks that streaming data through small windows gives
// exactly what decoding it whole gives, for every format.
func checkStreamed(t *testing.T, name string, data []byte) {
	t.Helper()
	for _, f := range []Format{Detect(data), FormatRecords, FormatLookupEvents, FormatArray, FormatObjects} {
		want := decodeWith(t, data, f, 0, 0)
		for _, w := range []struct{ window, chunk int }{{64, 0}, {97, 7}, {1000, 0}, {4096, 1}} {
			if got := decodeWith(t, data, f, w.window, w.chunk); !equalOutcome(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				x, _ := json.MarshalIndent(want, "", " ")
				t.Fatalf("%s as %v, window %d, chunk %d:\nstreamed %s\nwhole %s", name, f, w.window, w.chunk, g, x)
			}
		}
	}
}

func equalOutcome(a, b outcome) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestDecodeStream: streamed through windows far smaller than the files
// (so that every event, key and literal is cut somewhere), every fixture
// and shared sample decodes exactly as it does whole: the same rows,
// counts, rejected records and file error (with the same line and byte).
func TestDecodeStream(t *testing.T) {
	inputs := map[string][]byte{
		"records":      []byte(`{"Records":[{"eventTime":"2023-07-10T11:42:18Z","eventID":"a","readOnly":true,"userIdentity":{"type":"IAMUser","accessKeyId":"AKIAX"}},null,12345,{"eventTime":"x"}],"extra":[1,2,{"a":"b"}]}`),
		"lookup":       []byte(`{"Events":[{"EventId":"1","CloudTrailEvent":"{\"eventTime\":\"20131102T010628Z\",\"eventID\":\"e1\"}"},{"EventId":"2"}],"NextToken":"abc"}`),
		"array pretty": []byte("[\n  {\n    \"eventTime\": \"2026-10-01T10:00:00Z\",\n    \"eventID\": \"p1\"\n  },\n  {\n    \"eventTime\": \"2026-10-01T10:00:01Z\",\n    \"eventID\": \"p2\"\n  }\n]\n"),
		"objects":      []byte("{\"eventTime\":\"2026-10-01T10:00:00Z\",\"eventID\":\"o1\"}\n{\"eventTime\":\"2026-10-01T10:00:01Z\",\"eventID\":\"o1\"}\n{\"eventName\":1}\n"),
		"lone object":  []byte(`{"fileVersion":"1.0","configurationItems":[]}`),
		"empty array":  []byte("[" + strings.Repeat(" ", 200) + "]"),
		"bom":          append([]byte("\xEF\xBB\xBF"), []byte(`{"Records":[{"eventTime":"2026-10-01T10:00:00Z"}]}`)...),
		"syntax late":  []byte(`{"Records":[{"eventTime":"2026-10-01T10:00:00Z","eventID":"s1"},` + "\n\n" + `{"eventTime":"2026-10-01T10:00:01Z","eventID":"s2"},{"eventTime":tru}]}`),
		"truncated":    []byte(`{"Records":[{"eventTime":"2026-10-01T10:00:00Z","eventID":"t1"},{"eventTime":"2026-10-01T10:00:01Z","eventID":"t2","userAgent":"aws-cli/2.15.1 Python/3.11`),
		"numbers":      []byte(`[{"eventTime":"2026-10-01T10:00:00Z","x":123456789012345678,"y":-1.5e+10,"z":0},{"eventTime":"2026-10-01T10:00:00Z","w":[1,2,3]}]`),
		"escapes":      []byte(`[{"eventTime":"2026-10-01T10:00:00Z","userAgent":"a\u00e9\\\"b\"\ud83d\ude00","eventName":"\u0041ssumeRole"}]`),
		"deep":         []byte(`{"Records":[` + strings.Repeat("[", 600) + `]}`),
	}
	files, _ := filepath.Glob("../testdata/tree/*/*.json")
	more, _ := filepath.Glob("testdata/*.json")
	for _, name := range append(files, more...) {
		if b, err := os.ReadFile(name); err == nil {
			inputs[name] = b
		}
	}
	if len(files) == 0 {
		t.Fatal("no files under ../testdata/tree")
	}
	for name, data := range inputs {
		checkStreamed(t, name, data)
	}
}

// TestDecodeStreamDatasets streams the shared real CloudTrail samples
// (plain .json files: S3 delivery files, SDK fixtures, attack samples)
// through 1,000-byte windows and compares with decoding them whole.
func TestDecodeStreamDatasets(t *testing.T) {
	dir := datasets.Dir(t, "cloudtrail")
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.json"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatalf("no .json files under %s", dir)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f := Detect(data)
		want := decodeWith(t, data, f, 0, 0)
		if got := decodeWith(t, data, f, 1000, 0); !equalOutcome(got, want) {
			t.Errorf("%s: streamed differs from whole (%+v vs %+v)", name, got.Stats, want.Stats)
		}
	}
}

// TestDecodeStreamTooLarge: an event larger than the largest window fails
// the file with ErrTooLarge, after the events before it; memory stays at
// the window.
func TestDecodeStreamTooLarge(t *testing.T) {
	big := `{"eventTime":"2026-10-01T10:00:00Z","userAgent":"` + strings.Repeat("x", 5000) + `"}`
	data := []byte(`{"Records":[{"eventTime":"2026-10-01T10:00:00Z","eventID":"a"},` + big + `,{"eventTime":"2026-10-01T10:00:00Z","eventID":"c"}]}`)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := NewDecoder(mem)
	defer d.Release()
	rows := 0
	d.Emit = func(r arrow.Record) error { rows += int(r.NumRows()); r.Release(); return nil }
	inErr, readErr, fatal := d.DecodeStream(bytes.NewReader(data), FormatRecords, 256, 1024)
	if fatal != nil || readErr != nil {
		t.Fatal(fatal, readErr)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	var re *RecordError
	if !errorsAs(inErr, &re) || re.Index != 1 || !strings.Contains(inErr.Error(), "larger than") {
		t.Fatalf("error %v, want ErrTooLarge at record 1", inErr)
	}
	if rows != 1 || d.Stats.Records != 2 || d.Stats.Rejected != 1 {
		t.Errorf("rows %d, stats %+v: want the first event used, the large one rejected", rows, d.Stats)
	}
	if cap(d.stream.win) > 1024 {
		t.Errorf("window grew to %d bytes, past the 1024 allowed", cap(d.stream.win))
	}
}

// TestDecodeStreamTrailingSpace: white space after the events, however
// long, is read through without growing the window.
func TestDecodeStreamTrailingSpace(t *testing.T) {
	data := []byte(`{"Records":[{"eventTime":"2026-10-01T10:00:00Z","eventID":"a"}]}` + strings.Repeat(" \n", 5000))
	for _, f := range []Format{FormatRecords, FormatArray, FormatObjects} {
		in := data
		if f == FormatArray {
			in = []byte(`[{"eventTime":"2026-10-01T10:00:00Z","eventID":"a"}]` + strings.Repeat(" \n", 5000))
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		d := NewDecoder(mem)
		d.Emit = func(r arrow.Record) error { r.Release(); return nil }
		inErr, readErr, fatal := d.DecodeStream(bytes.NewReader(in), f, 256, 1024)
		if f != FormatObjects && (inErr != nil || readErr != nil || fatal != nil) {
			t.Errorf("%v: %v %v %v", f, inErr, readErr, fatal)
		}
		if err := d.Flush(); err != nil {
			t.Fatal(err)
		}
		if cap(d.stream.win) > 1024 {
			t.Errorf("%v: window grew to %d", f, cap(d.stream.win))
		}
		d.Release()
		mem.AssertSize(t, 0)
	}
}

func errorsAs(err error, re **RecordError) bool {
	e, ok := err.(*RecordError)
	if ok {
		*re = e
	}
	return ok
}

// FuzzDecodeStream: any input decodes the same streamed as whole.
func FuzzDecodeStream(f *testing.F) {
	f.Add([]byte(`{"Records":[{"eventTime":"2023-07-10T11:42:18Z","eventID":"a"},1,null]}`), uint8(3))
	f.Add([]byte(`{"Events":[{"CloudTrailEvent":"{\"eventTime\":\"20131102T010628Z\"}"}]}`), uint8(0))
	f.Add([]byte("[{\"eventTime\":\"2023-07-10T11:42:18.5+01:00\"}, tru"), uint8(9))
	f.Add([]byte("{\"a\":1}\n{\"eventTime\":\"Jul 18, 2014 4:07:39 PM\"}\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, w uint8) {
		window := 64 + int(w)
		for _, fm := range []Format{Detect(data), FormatRecords, FormatLookupEvents, FormatArray, FormatObjects} {
			want := decodeWith(t, data, fm, 0, 0)
			if got := decodeWith(t, data, fm, window, int(w%5)+1); !equalOutcome(got, want) {
				t.Fatalf("%v, window %d: streamed %+v\nwhole %+v", fm, window, got, want)
			}
		}
	})
}
