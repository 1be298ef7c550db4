// Package factstest has helpers for tests of fact consumers: reorder and
// split fact sets, so that a test can prove a consumer does not depend on
// the order or the grouping of rows.
package factstest

import (
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
)

type cell struct {
	v *facts.View
	i int
}

// Shuffle returns a new Set with the rows of every table of s in a
// pseudo-random order (seeded), in records of at most batch rows (0: 7).
// ReplayShuffled also shuffles the table order. The caller releases the result; s is kept.
func Shuffle(mem memory.Allocator, s *facts.Set, seed uint64, batch int) (*facts.Set, error) {
	if batch <= 0 {
		batch = 7
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := &facts.Set{}
	for t := facts.Table(0); t < facts.NumTables; t++ {
		var cells []cell
		for _, rec := range s.Records[t] {
			v, err := facts.NewView(t, rec)
			if err != nil {
				out.Release()
				return nil, err
			}
			for i := 0; i < v.N; i++ {
				cells = append(cells, cell{v, i})
			}
		}
		r.Shuffle(len(cells), func(i, j int) { cells[i], cells[j] = cells[j], cells[i] })
		for len(cells) > 0 {
			n := min(len(cells), batch)
			rec := build(mem, t, cells[:n])
			cells = cells[n:]
			_ = out.Facts(t, rec) // retains
			rec.Release()
		}
	}
	return out, nil
}

func build(mem memory.Allocator, t facts.Table, cells []cell) arrow.Record {
	b := array.NewRecordBuilder(mem, facts.Schema(t))
	defer b.Release()
	for c := range facts.Columns(t) {
		for _, x := range cells {
			col := x.v
			switch fb := b.Field(c).(type) {
			case *array.StringBuilder:
				if s := col.Str(c, x.i); s != "" {
					fb.Append(s)
				} else {
					fb.AppendNull()
				}
			case *array.Int64Builder:
				if isNull(col, t, c, x.i) {
					fb.AppendNull()
				} else {
					fb.Append(col.Int(c, x.i))
				}
			case *array.Int32Builder:
				fb.Append(int32(col.Int(c, x.i)))
			case *array.Date32Builder:
				fb.Append(arrow.Date32(col.Int(c, x.i)))
			case *array.BooleanBuilder:
				fb.Append(col.Bool(c, x.i))
			}
		}
	}
	return b.NewRecord()
}

// isNull: a nullable time is null exactly when the View reads 0 (the
// producers never write a time of 0).
func isNull(v *facts.View, t facts.Table, c, i int) bool {
	return facts.Columns(t)[c].Kind == facts.Time && v.Int(c, i) == 0
}

// ReplayShuffled hands the records of s to sinks with the tables in a
// seeded random order, so that a consumer cannot rely on, say, getting
// event_accounts before key_use.
func ReplayShuffled(s *facts.Set, seed uint64, sinks ...facts.Sink) error {
	r := rand.New(rand.NewPCG(seed, seed+1))
	order := r.Perm(int(facts.NumTables))
	for _, t := range order {
		for _, rec := range s.Records[t] {
			for _, k := range sinks {
				if err := k.Facts(facts.Table(t), rec); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
