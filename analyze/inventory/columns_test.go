package inventory

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/coltest"
)

// TestColumns: Columns names every event column this package's code reads;
// BuilderColumns are event columns the Aggregator reads (facts.EventColumns);
// and the demo and the real trails give the same inventory when only
// BuilderColumns are ingested, the same activity with only ActivityColumns.
func TestColumns(t *testing.T) {
	coltest.Check(t, ".", Columns())
	for _, c := range BuilderColumns() {
		if !slices.Contains(facts.EventColumns(), c) {
			t.Errorf("BuilderColumns has %s, which the facts are not made from", ct.ColumnNames[c])
		}
	}
	for _, c := range Columns() {
		if !slices.Contains(BuilderColumns(), c) && !slices.Contains(ActivityColumns(), c) {
			t.Errorf("Columns has %s, which neither the Builder nor Activity reads", ct.ColumnNames[c])
		}
	}
	t.Run("demo", func(t *testing.T) { checkColumns(t, "../../testdata/demo/cloudtrail") })
	t.Run("datasets", func(t *testing.T) { checkColumns(t, filepath.Join(datasetsDir(t), "cloudtrail")) })
}

func checkColumns(t *testing.T, dir string) {
	read := func(omit []int) (*Inventory, []KeyActivity) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b := New(Options{Mem: mem})
		var recs []arrow.Record
		defer func() {
			for _, r := range recs {
				r.Release()
			}
		}()
		// The records are kept to feed Activity the keys the inventory found.
		_, err := ingest.Run(context.Background(), []string{dir}, ingest.Options{Mem: mem, Workers: 1, OmitColumns: omit},
			sinkFunc(func(rec arrow.Record) error {
				rec.Retain()
				recs = append(recs, rec)
				return b.Add(rec)
			}))
		if err != nil {
			t.Fatal(err)
		}
		inv := b.Finish(nil)
		var keys []string
		for _, k := range inv.Keys {
			keys = append(keys, k.AccessKeyID)
		}
		act := NewActivity(keys)
		for _, r := range recs {
			if err := act.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		return inv, act.Results()
	}
	fullInv, fullAct := read(nil)
	if len(fullInv.Keys) == 0 || len(fullAct) == 0 {
		t.Fatalf("%d keys, %d activities: the inputs should give some", len(fullInv.Keys), len(fullAct))
	}
	if inv, _ := read(ct.OmitAllBut(BuilderColumns())); !reflect.DeepEqual(fullInv, inv) {
		t.Error("the inventory differs when only BuilderColumns are ingested")
	}
	if _, act := read(ct.OmitAllBut(ActivityColumns())); !reflect.DeepEqual(fullAct, act) {
		t.Error("the key activity differs when only ActivityColumns are ingested")
	}
}
