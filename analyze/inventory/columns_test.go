package inventory

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/coltest"
)

// TestColumns: Columns names every event column this package's code reads,
// and the real trails give the same inventory and activity when only those
// columns are ingested.
func TestColumns(t *testing.T) {
	coltest.Check(t, ".", Columns())

	dir := filepath.Join(datasetsDir(t), "cloudtrail")
	read := func(omit []int) (*Inventory, []KeyActivity) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b := New(Options{})
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
	inv, act := read(ct.OmitAllBut(Columns()))
	if len(fullInv.Keys) == 0 || len(fullAct) == 0 {
		t.Fatalf("%d keys, %d activities: the datasets should give some", len(fullInv.Keys), len(fullAct))
	}
	if !reflect.DeepEqual(fullInv, inv) {
		t.Error("the inventory differs when only Columns are ingested")
	}
	if !reflect.DeepEqual(fullAct, act) {
		t.Error("the key activity differs when only Columns are ingested")
	}
}
