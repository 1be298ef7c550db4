package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/keyaudit/keyaudit/internal/golden"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		name   string
		format string
		opts   Options
	}{
		{"TestCSV", FormatCSV, Options{}},
		{"TestCSV-columns", FormatCSV, Options{Columns: []string{"last_used", "user"}}},
		{"TestJSON", FormatJSON, Options{}},
		{"TestNDJSON", FormatNDJSON, Options{}},
		{"TestTable", FormatTable, Options{}},
		{"TestTable-narrow", FormatTable, Options{MaxCellWidth: 8, FreeText: []string{"user", "note"}}},
		{"TestTable-80cols", FormatTable, Options{
			Columns:  []string{"severity", "user", "active", "keys", "age_days", "last_used", "note"},
			FreeText: []string{"note"}, HideOrder: []string{"keys", "active"},
			Width: 80}},
		{"TestTable-color", FormatTable, Options{Columns: []string{"severity", "user"}, Color: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := checkedAlloc(t)
			rec := buildRecord(t, mem, fixtureRows)
			defer rec.Release()
			got := writeAll(t, tt.format, tt.opts, rec)
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

func TestTableFitsWidth(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows)
	defer rec.Release()
	long := strings.Repeat("arn:aws:iam::123456789012:user/", 4)
	rows := append([]fixtureRow{}, fixtureRows...)
	rows = append(rows, fixtureRow{user: &long, note: &long})
	rec2 := buildRecord(t, mem, rows)
	defer rec2.Release()
	for _, width := range []int{70, 80, 100} {
		out := writeAll(t, FormatTable, Options{Width: width, FreeText: []string{"user", "note"}, HideOrder: []string{"age_days", "keys"}}, rec2)
		for i, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			if w := len([]rune(line)); w > width {
				t.Errorf("width %d: line %d is %d wide: %q", width, i, w, line)
			}
		}
	}
}

func TestEmptyInput(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{FormatCSV, "user,severity,active,keys,age_days,last_used,note\n"},
		{FormatJSON, "[]\n"},
		{FormatNDJSON, ""},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			mem := checkedAlloc(t)
			if got := string(writeAll(t, tt.format, Options{})); got != tt.want {
				t.Errorf("no records: got %q, want %q", got, tt.want)
			}
			// A zero-row record is the same as none.
			rec := buildRecord(t, mem, nil)
			defer rec.Release()
			if got := string(writeAll(t, tt.format, Options{}, rec)); got != tt.want {
				t.Errorf("empty record: got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("table", func(t *testing.T) {
		got := string(writeAll(t, FormatTable, Options{}))
		if !strings.Contains(got, "user") || strings.Count(got, "\n") < 3 {
			t.Errorf("empty table should still show the header:\n%s", got)
		}
	})
}

// TestJSONParses checks both JSON formats with encoding/json: types, key
// order, nulls and the U+FFFD replacement.
func TestJSONParses(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows)
	defer rec.Release()

	var arr []map[string]any
	if err := json.Unmarshal(writeAll(t, FormatJSON, Options{}, rec), &arr); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	nd := writeAll(t, FormatNDJSON, Options{}, rec)
	lines := strings.Split(strings.TrimSuffix(string(nd), "\n"), "\n")
	if len(arr) != len(fixtureRows) || len(lines) != len(fixtureRows) {
		t.Fatalf("got %d json objects and %d ndjson lines, want %d", len(arr), len(lines), len(fixtureRows))
	}
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("ndjson line %d: %v", i+1, err)
		}
		a, _ := json.Marshal(obj)
		b, _ := json.Marshal(arr[i])
		if !bytes.Equal(a, b) {
			t.Errorf("row %d: ndjson %s != json %s", i, a, b)
		}
	}
	checks := []struct {
		row  int
		key  string
		want any
	}{
		{0, "keys", float64(2)},
		{0, "active", true},
		{0, "last_used", "2024-05-01T12:30:00Z"},
		{1, "user", `bob, "the builder"`},
		{1, "last_used", "2024-05-01T12:30:00.250Z"},
		{1, "note", "line one\nline two"},
		{2, "severity", nil},
		{2, "active", nil},
		{2, "keys", nil},
		{2, "last_used", nil},
		{3, "user", "bad\uFFFDbyte"},
		{4, "last_used", "2030-01-02T02:04:05Z"},
	}
	for _, c := range checks {
		got, ok := arr[c.row][c.key]
		if !ok || got != c.want {
			t.Errorf("row %d %s = %#v (present %v), want %#v", c.row, c.key, got, ok, c.want)
		}
	}
	// int64 beyond 2^53 must be written exactly, not rounded.
	if !bytes.Contains(nd, []byte(`"age_days":9007199254740993`)) {
		t.Errorf("large int64 not written exactly:\n%s", nd)
	}
	// Key order is schema order.
	if !strings.HasPrefix(lines[0], `{"user":"alice","severity":"high","active":true,"keys":2,`) {
		t.Errorf("keys not in schema order: %s", lines[0])
	}
}

func TestCSVParses(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows)
	defer rec.Release()
	recs, err := csv.NewReader(bytes.NewReader(writeAll(t, FormatCSV, Options{}, rec))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+len(fixtureRows) {
		t.Fatalf("got %d csv rows, want %d", len(recs), 1+len(fixtureRows))
	}
	want := [][]string{
		{"alice", "high", "true", "2", "400", "2024-05-01T12:30:00Z", "plain"},
		{`bob, "the builder"`, "critical", "false", "-1", "9007199254740993", "2024-05-01T12:30:00.250Z", "line one\nline two"},
		{"Zoë 日本語", "", "", "", "", "", ""},
	}
	for i, w := range want {
		if strings.Join(recs[i+1], "|") != strings.Join(w, "|") {
			t.Errorf("row %d: got %q, want %q", i, recs[i+1], w)
		}
	}
}

// TestStreamingCSV writes many records through one writer and checks the
// output is the header plus each record's rows in order.
func TestCSVEscapeFormulas(t *testing.T) {
	mem := checkedAlloc(t)
	rows := []fixtureRow{
		{user: ptr("=HYPERLINK(\"http://x\")"), severity: ptr("@SUM(A1)"), keys: ptr(int32(-3)), note: ptr("-2+3")},
		{user: ptr("+1"), severity: ptr("safe"), keys: ptr(int32(4)), note: ptr("\tx")},
	}
	rec := buildRecord(t, mem, rows)
	defer rec.Release()
	for _, escape := range []bool{false, true} {
		out, err := csv.NewReader(bytes.NewReader(writeAll(t, FormatCSV, Options{EscapeFormulas: escape}, rec))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := [][]string{{out[1][0], out[1][1], out[1][3], out[1][6]}, {out[2][0], out[2][1], out[2][3], out[2][6]}}
		want := [][]string{{`=HYPERLINK("http://x")`, "@SUM(A1)", "-3", "-2+3"}, {"+1", "safe", "4", "\tx"}}
		if escape {
			// Strings are escaped; numbers (the int column's -3) are not.
			want = [][]string{{`'=HYPERLINK("http://x")`, "'@SUM(A1)", "-3", "'-2+3"}, {"'+1", "safe", "4", "'\tx"}}
		}
		for i := range want {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("EscapeFormulas=%v row %d: got %q, want %q", escape, i, got[i], want[i])
			}
		}
	}
}

func TestStreamingCSV(t *testing.T) {
	mem := checkedAlloc(t)
	var recs []arrow.Record
	var want strings.Builder
	for i := 0; i < 50; i++ {
		rows := fixtureRows[i%len(fixtureRows):]
		rec := buildRecord(t, mem, rows)
		defer rec.Release()
		recs = append(recs, rec)
		one := string(writeAll(t, FormatCSV, Options{}, rec))
		header, body, _ := strings.Cut(one, "\n")
		if i == 0 {
			want.WriteString(header + "\n")
		}
		want.WriteString(body)
	}
	got := string(writeAll(t, FormatCSV, Options{}, recs...))
	if got != want.String() {
		t.Errorf("streamed CSV differs from the concatenation (%d vs %d bytes)", len(got), want.Len())
	}
}

func TestFormatTimestamp(t *testing.T) {
	tests := []struct {
		ts   int64
		unit arrow.TimeUnit
		want string
	}{
		{0, arrow.Millisecond, "1970-01-01T00:00:00Z"},
		{1714566600000, arrow.Millisecond, "2024-05-01T12:30:00Z"},
		{1714566600250, arrow.Millisecond, "2024-05-01T12:30:00.250Z"},
		{1714566600001, arrow.Millisecond, "2024-05-01T12:30:00.001Z"},
		{-1, arrow.Millisecond, "1969-12-31T23:59:59.999Z"},
		{1714566600, arrow.Second, "2024-05-01T12:30:00Z"},
		{1714566600000500, arrow.Microsecond, "2024-05-01T12:30:00.000500Z"},
		{1714566600000000007, arrow.Nanosecond, "2024-05-01T12:30:00.000000007Z"},
	}
	for _, tt := range tests {
		if got := FormatTimestamp(arrow.Timestamp(tt.ts), tt.unit); got != tt.want {
			t.Errorf("FormatTimestamp(%d, %s) = %q, want %q", tt.ts, tt.unit, got, tt.want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"a\nb\tc\r\x00\x1f", `"a\nb\tc\r\u0000\u001f"`},
		{"<&>", `"<&>"`},
		{"Zoë 日本語", `"Zoë 日本語"`},
		{"bad\xffx", `"bad\ufffdx"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
	}
	for _, tt := range tests {
		if got := string(appendJSONString(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// FuzzJSONString checks that every string encodes to valid JSON that
// decodes to the string with invalid UTF-8 replaced.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff\xfe", "日本\u2028", "\x00\x7f\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, enc, err)
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want && got != replaceEachInvalid(s) {
			t.Fatalf("%q round-trips to %q", s, got)
		}
	})
}

// replaceEachInvalid replaces every invalid byte (not every run) by U+FFFD.
func replaceEachInvalid(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

func TestEscapeTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ünïcode 日本", "plain ünïcode 日本"},
		{"a\nb\tc\r", `a\nb\tc\r`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"\x00\x7f", `\x00\x7f`},
		{"\u0085", `\u0085`},
		{"abc\u202edef", `abc\u202edef`},
	}
	for _, tt := range tests {
		if got := escapeTerminal(tt.in); got != tt.want {
			t.Errorf("escapeTerminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLayout(t *testing.T) {
	tests := []struct {
		natural      []int
		free         []bool
		hide         []int
		maxCell, tot int
		want         []int
	}{
		// No limit: nothing is cut; maxCell caps free text only.
		{[]int{5, 50}, []bool{true, true}, nil, 0, 0, []int{5, 50}},
		{[]int{50, 50}, []bool{false, true}, nil, 10, 0, []int{50, 10}},
		// 2 columns: 1 + 2*3 = 7 overhead; 30 - 7 = 23 for cells.
		{[]int{5, 50}, []bool{true, true}, nil, 0, 30, []int{5, 18}},
		{[]int{30, 30, 30}, []bool{true, true, true}, nil, 0, 70, []int{20, 20, 20}},
		// Only free text narrows: the 20-wide timestamp is kept.
		{[]int{20, 30, 20}, []bool{false, true, true}, nil, 0, 50, []int{20, 10, 10}},
		// Free text would go below MinTextWidth: column 0 is hidden instead
		// and free text gets the room back.
		{[]int{20, 10, 40}, []bool{false, false, true}, []int{0}, 0, 50, []int{-1, 10, 33}},
		// Hidden in order until it fits.
		{[]int{20, 20, 20, 30}, []bool{false, false, false, true}, []int{1, 0}, 0, 50, []int{-1, -1, 20, 23}},
		// Nothing left to hide: free text down to MinColumnWidth, the
		// identifier stays whole and the table is wider than asked.
		{[]int{40, 30}, []bool{false, true}, nil, 0, 20, []int{40, MinColumnWidth}},
		{[]int{40, 30}, []bool{false, true}, []int{1}, 0, 20, []int{40, -1}},
		{[]int{3, 20}, []bool{true, true}, nil, 0, 5, []int{3, MinColumnWidth}},
	}
	for _, tt := range tests {
		got := layout(tt.natural, tt.free, tt.hide, tt.maxCell, tt.tot)
		if !slices.Equal(got, tt.want) {
			t.Errorf("layout(%v, %v, %v, %d, %d) = %v, want %v", tt.natural, tt.free, tt.hide, tt.maxCell, tt.tot, got, tt.want)
		}
	}
}

func TestNewWriterErrors(t *testing.T) {
	u32 := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Uint32}}, nil)
	list := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String)}}, nil)
	naive := arrow.NewSchema([]arrow.Field{{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Millisecond}}}, nil)
	tests := []struct {
		name, format string
		schema       *arrow.Schema
		opts         Options
		want         error
		wantText     string
	}{
		{"unknown format", "xml", fixtureSchema, Options{}, ErrUnknownFormat, "(valid: asff, csv, "},
		{"unknown column", FormatCSV, fixtureSchema, Options{Columns: []string{"nope"}}, nil, `unknown column "nope"`},
		{"duplicate column", FormatJSON, fixtureSchema, Options{Columns: []string{"user", "user"}}, nil, "selected twice"},
		{"list in csv", FormatCSV, list, Options{}, ErrUnsupportedType, `column "l"`},
		{"list in table", FormatTable, list, Options{}, ErrUnsupportedType, `column "l"`},
		{"uint in parquet", FormatParquet, u32, Options{}, ErrUnsignedType, `column "n"`},
		{"naive ts in parquet", FormatParquet, naive, Options{}, ErrNaiveTimestamp, `column "t"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(tt.format, &buf, tt.schema, tt.opts)
			if err == nil {
				w.Close()
				t.Fatal("NewWriter succeeded, want error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v is not %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	other := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.BinaryTypes.String}}, nil)
	for _, format := range Formats() {
		if FindingsOnly(format) {
			continue // asff_test.go
		}
		t.Run(format, func(t *testing.T) {
			mem := checkedAlloc(t)
			b := array.NewRecordBuilder(mem, other)
			b.Field(0).(*array.StringBuilder).Append("x")
			rec := b.NewRecord()
			b.Release()
			defer rec.Release()

			var buf bytes.Buffer
			w, err := NewWriter(format, &buf, fixtureSchema, Options{Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); !errors.Is(err, ErrSchemaMismatch) {
				t.Errorf("Write with another schema: %v, want ErrSchemaMismatch", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			good := buildRecord(t, mem, fixtureRows[:1])
			defer good.Release()
			if err := w.Write(good); !errors.Is(err, ErrClosed) {
				t.Errorf("Write after Close: %v, want ErrClosed", err)
			}
		})
	}
}

// closeRecorder fails the test if anyone closes it.
type closeRecorder struct {
	bytes.Buffer
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

var _ io.WriteCloser = (*closeRecorder)(nil)

func TestWritersDoNotClose(t *testing.T) {
	for _, format := range Formats() {
		if FindingsOnly(format) {
			continue // asff_test.go
		}
		t.Run(format, func(t *testing.T) {
			mem := checkedAlloc(t)
			rec := buildRecord(t, mem, fixtureRows)
			defer rec.Release()
			var out closeRecorder
			w, err := NewWriter(format, &out, fixtureSchema, Options{Allocator: mem})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if out.closed {
				t.Error("writer closed the io.Writer it was given")
			}
			if out.Len() == 0 {
				t.Error("no output")
			}
		})
	}
}
