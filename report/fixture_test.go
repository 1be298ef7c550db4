package report

import (
	"bytes"
	"flag"
	"os"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

func TestMain(m *testing.M) {
	flag.Parse()
	// Table goldens must not depend on the locale of the machine.
	twwidth.SetEastAsian(false)
	os.Exit(m.Run())
}

var msUTC = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// fixtureSchema has every type keyaudit writes, all nullable.
var fixtureSchema = arrow.NewSchema([]arrow.Field{
	{Name: "user", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "severity", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "keys", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "age_days", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "last_used", Type: msUTC, Nullable: true},
	{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

type fixtureRow struct {
	user, severity *string
	active         *bool
	keys           *int32
	age            *int64
	lastUsed       *time.Time
	note           *string
}

func ptr[T any](v T) *T { return &v }

var fixtureRows = []fixtureRow{
	{ptr("alice"), ptr("high"), ptr(true), ptr(int32(2)), ptr(int64(400)),
		ptr(time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)), ptr("plain")},
	{ptr(`bob, "the builder"`), ptr("critical"), ptr(false), ptr(int32(-1)), ptr(int64(9007199254740993)),
		ptr(time.Date(2024, 5, 1, 12, 30, 0, 250_000_000, time.UTC)), ptr("line one\nline two")},
	{ptr("Zoë 日本語"), nil, nil, nil, nil, nil, nil},
	{ptr("bad\xffbyte"), ptr("low"), ptr(true), ptr(int32(0)), ptr(int64(0)),
		ptr(time.Date(1999, 12, 31, 23, 59, 59, 1_000_000, time.UTC)), ptr("\x1b[31mred\x1b[0m\ttab")},
	{ptr(""), ptr("medium"), ptr(false), ptr(int32(2147483647)), ptr(int64(-9223372036854775808)),
		ptr(time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))), ptr("")},
}

// buildRecord builds a record of fixtureSchema from rows. The caller
// releases it.
func buildRecord(t testing.TB, mem memory.Allocator, rows []fixtureRow) arrow.Record {
	t.Helper()
	b := array.NewRecordBuilder(mem, fixtureSchema)
	defer b.Release()
	for _, r := range rows {
		appendString(b.Field(0).(*array.StringBuilder), r.user)
		appendString(b.Field(1).(*array.StringBuilder), r.severity)
		if r.active == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.BooleanBuilder).Append(*r.active)
		}
		if r.keys == nil {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Int32Builder).Append(*r.keys)
		}
		if r.age == nil {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.Int64Builder).Append(*r.age)
		}
		if r.lastUsed == nil {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.TimestampBuilder).Append(arrow.Timestamp(r.lastUsed.UnixMilli()))
		}
		appendString(b.Field(6).(*array.StringBuilder), r.note)
	}
	return b.NewRecord()
}

func appendString(b *array.StringBuilder, s *string) {
	if s == nil {
		b.AppendNull()
		return
	}
	b.Append(*s)
}

func checkedAlloc(t *testing.T) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// writeAll writes recs with a new writer of format and returns the output.
func writeAll(t *testing.T, format string, opts Options, recs ...arrow.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(format, &buf, fixtureSchema, opts)
	if err != nil {
		t.Fatalf("NewWriter(%q): %v", format, err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}
