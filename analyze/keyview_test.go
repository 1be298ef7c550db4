package analyze

import (
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestKeyViewByName reads a record whose columns are reversed, with an
// extra column, and whose timestamps are in seconds: the view finds columns
// by name and converts units.
func TestKeyViewByName(t *testing.T) {
	mem := newMem(t)
	ks := concat(user("a", used(ago(days(3)), ago(days(1))), off(never(ago(days(400))))), root(never(ago(days(9))), nil))
	base := keyRecord(t, mem, ks)
	defer base.Release()

	var fields []arrow.Field
	var cols []arrow.Array
	for i := int(base.NumCols()) - 1; i >= 0; i-- {
		f := base.Schema().Field(i)
		col := base.Column(i)
		if f.Type.ID() == arrow.TIMESTAMP {
			// Re-encode in seconds.
			in := col.(*array.Timestamp)
			typ := &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}
			b := array.NewTimestampBuilder(mem, typ)
			for j := 0; j < in.Len(); j++ {
				if in.IsNull(j) {
					b.AppendNull()
				} else {
					b.Append(arrow.Timestamp(int64(in.Value(j)) / 1000))
				}
			}
			col = b.NewArray()
			b.Release()
			defer col.Release()
			f.Type = typ
		}
		fields = append(fields, f)
		cols = append(cols, col)
	}
	eb := array.NewStringBuilder(mem)
	for range ks {
		eb.Append("extra")
	}
	extra := eb.NewArray()
	eb.Release()
	defer extra.Release()
	fields = append(fields, arrow.Field{Name: "extra", Type: arrow.BinaryTypes.String})
	cols = append(cols, extra)
	rec := array.NewRecord(arrow.NewSchema(fields, nil), cols, base.NumRows())
	defer rec.Release()

	v, err := NewKeyView(rec)
	if err != nil {
		t.Fatal(err)
	}
	if v.Len() != len(ks) {
		t.Fatalf("Len = %d, want %d", v.Len(), len(ks))
	}
	for i, want := range ks {
		got := v.Row(i)
		if !got.LastRotated.Equal(want.LastRotated) || !got.LastUsed.Equal(want.LastUsed) {
			t.Errorf("row %d times: got %v %v, want %v %v", i, got.LastRotated, got.LastUsed, want.LastRotated, want.LastUsed)
		}
		got.LastRotated, got.LastUsed = want.LastRotated, want.LastUsed
		if got != want {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	// And the rules see the same findings as over the original record.
	fs1, err := EvaluateRecords(DefaultConfig(asOf), []arrow.Record{base})
	if err != nil {
		t.Fatal(err)
	}
	fs2, err := EvaluateRecords(DefaultConfig(asOf), []arrow.Record{rec})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fmtFindings(fs1), fmtFindings(fs2)) || len(fs1) == 0 {
		t.Errorf("findings differ:\n%q\n%q", fmtFindings(fs1), fmtFindings(fs2))
	}
}
