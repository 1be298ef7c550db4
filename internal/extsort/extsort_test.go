package extsort

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// testRow is one row as text, the order of the package doc applied by hand.
type testRow struct {
	t       int64
	tNull   bool
	id      string
	idNull  bool
	n       int64
	nNull   bool
	b, bNul bool
	s       string
}

func (r testRow) String() string {
	return fmt.Sprintf("%v/%d|%v/%s|%v/%d|%v/%v|%s", r.tNull, r.t, r.idNull, r.id, r.nNull, r.n, r.bNul, r.b, r.s)
}

// makeRows returns n rows with few distinct times and IDs, nulls in every
// column and exact duplicates, so every tie-break is exercised.
func makeRows(n int, seed uint64) []testRow {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([]testRow, n)
	for i := range rows {
		r := testRow{t: int64(rng.IntN(50)), id: fmt.Sprintf("id-%d", rng.IntN(20)), n: int64(rng.IntN(3)), b: rng.IntN(2) == 0,
			s: strings.Repeat("x", rng.IntN(40))}
		r.tNull = rng.IntN(20) == 0
		r.idNull = rng.IntN(5) == 0
		r.nNull = rng.IntN(4) == 0
		r.bNul = rng.IntN(4) == 0
		if r.tNull {
			r.t = 0
		}
		if r.idNull {
			r.id = ""
		}
		if r.nNull {
			r.n = 0
		}
		if r.bNul {
			r.b = false
		}
		rows[i] = r
	}
	return rows
}

func wantOrder(rows []testRow) []string {
	rows = slices.Clone(rows)
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	slices.SortFunc(rows, func(a, b testRow) int {
		for _, c := range []int{
			b2i(!a.tNull) - b2i(!b.tNull), cmpI(a.t, b.t),
			b2i(!a.idNull) - b2i(!b.idNull), strings.Compare(a.id, b.id),
			cmpI(a.t, b.t), // the time column again, as the full-row tie-break does
			b2i(!a.idNull) - b2i(!b.idNull), strings.Compare(a.id, b.id),
			b2i(!a.nNull) - b2i(!b.nNull), cmpI(a.n, b.n),
			b2i(!a.bNul) - b2i(!b.bNul), b2i(a.b) - b2i(b.b),
			strings.Compare(a.s, b.s),
		} {
			if c != 0 {
				return c
			}
		}
		return 0
	})
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.String()
	}
	return out
}

func cmpI(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// records builds rows into records of batch rows each.
func records(mem memory.Allocator, rows []testRow, batch int) []arrow.Record {
	var recs []arrow.Record
	b := array.NewRecordBuilder(mem, testSchema)
	defer b.Release()
	for start := 0; start < len(rows); start += batch {
		for _, r := range rows[start:min(len(rows), start+batch)] {
			tb := b.Field(0).(*array.TimestampBuilder)
			if r.tNull {
				tb.AppendNull()
			} else {
				tb.Append(arrow.Timestamp(r.t))
			}
			if r.idNull {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.StringBuilder).Append(r.id)
			}
			if r.nNull {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.Int64Builder).Append(r.n)
			}
			if r.bNul {
				b.Field(3).AppendNull()
			} else {
				b.Field(3).(*array.BooleanBuilder).Append(r.b)
			}
			b.Field(4).(*array.StringBuilder).Append(r.s)
		}
		recs = append(recs, b.NewRecord())
	}
	return recs
}

func rowsOf(rec arrow.Record) []string {
	out := make([]string, rec.NumRows())
	for i := range out {
		var r testRow
		ts := rec.Column(0).(*array.Timestamp)
		r.tNull = ts.IsNull(i)
		if !r.tNull {
			r.t = int64(ts.Value(i))
		}
		id := rec.Column(1).(*array.String)
		r.idNull, r.id = id.IsNull(i), id.Value(i)
		n := rec.Column(2).(*array.Int64)
		r.nNull = n.IsNull(i)
		if !r.nNull {
			r.n = n.Value(i)
		}
		bc := rec.Column(3).(*array.Boolean)
		r.bNul = bc.IsNull(i)
		if !r.bNul {
			r.b = bc.Value(i)
		}
		r.s = rec.Column(4).(*array.String).Value(i)
		out[i] = r.String()
	}
	return out
}

// TestSort: in memory, with a few runs, and with more runs than MaxFanIn
// (a merge of merges), the rows come out in the documented order, in
// records of BatchRows rows, and nothing is left allocated or on disk.
func TestSort(t *testing.T) {
	rows := makeRows(30_000, 7)
	want := wantOrder(rows)
	for _, tc := range []struct {
		name     string
		runBytes int64
		batch    int // rows per record given to Add (a run holds at least one)
		minRuns  int
	}{{"memory", 1 << 30, 777, 0}, {"runs", 200 << 10, 777, 2}, {"merge of merges", 8 << 10, 250, MaxFanIn + 1}} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			dir := t.TempDir()
			s, err := New(testSchema, Options{Mem: mem, Dir: dir, RunBytes: tc.runBytes, BatchRows: 1000, TimeKey: 0, StringKey: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, rec := range records(mem, rows, tc.batch) {
				if err := s.Add(rec); err != nil {
					t.Fatal(err)
				}
				rec.Release()
			}
			if err := s.waitSpill(); err != nil {
				t.Fatal(err)
			}
			if len(s.runs) < tc.minRuns {
				t.Fatalf("%d runs, want at least %d", len(s.runs), tc.minRuns)
			}
			var got []string
			var sizes []int64
			if err := s.Finish(func(rec arrow.Record) error {
				got = append(got, rowsOf(rec)...)
				sizes = append(sizes, rec.NumRows())
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("%d rows, want %d; first difference at row %d: %s, want %s", len(got), len(want), i, got[i], want[i])
					}
				}
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
			for i, n := range sizes {
				if n != 1000 && i != len(sizes)-1 {
					t.Fatalf("record %d has %d rows, want 1000", i, n)
				}
			}
			if left, _ := filepathGlob(dir); len(left) != 0 {
				t.Fatalf("run files left: %v", left)
			}
		})
	}
}

// TestCloseEarly: Close before Finish, with a run being written, releases
// everything and removes the runs.
func TestCloseEarly(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	s, err := New(testSchema, Options{Mem: mem, Dir: dir, RunBytes: 50 << 10, TimeKey: 0, StringKey: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range records(mem, makeRows(5000, 3), 500) {
		if err := s.Add(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	s.Close()
	s.Close()
	if left, _ := filepathGlob(dir); len(left) != 0 {
		t.Fatalf("run files left: %v", left)
	}
	if err := s.Add(nil); err != ErrClosed {
		t.Fatalf("Add after Close: %v, want ErrClosed", err)
	}
}

func filepathGlob(dir string) ([]string, error) { return filepath.Glob(filepath.Join(dir, "*")) }
