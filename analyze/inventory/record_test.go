package inventory

import (
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/internal/golden"
)

func TestKeyRecordGolden(t *testing.T) {
	gen := at(30 * day)
	kB := keyOf("AKIA", acctB, 9)
	reports := []*credreport.Report{report(acctA, gen,
		row(RootUser, slot(true, at(-400*day), at(2*day), "us-east-1", "s3"), credreport.KeySlot{}),
		row("alice", slot(true, at(-100*day), time.Time{}, "", ""), slot(false, at(-10*day), at(day), "us-east-1", "s3")),
	)}
	evs := []*ct.Event{
		call(at(2*day), acctA, RootUser, kRoot),
		created(at(-100*day), acctA, "admin", kAdmin, "alice", k1, at(-100*day)),
		call(at(day), acctA, "alice", k2),
		updated(at(25*day), acctA, "admin", kAdmin, "alice", k2, "Inactive"),
		created(at(26*day), acctA, "admin", kAdmin, "alice", k3, at(26*day)),
		deleted(at(27*day), acctA, "admin", kAdmin, "alice", k3),
		call(at(3*day), acctB, "carol", kB),
		call(at(3*day), acctA, "dave", "AKIATFQR7NSC8Q4X20BJ"),
		with(call(at(3*day), acctA, "erin", "AKIAIOSFODNN7EXAMPLE"), ct.ColUIAccountID, ""),
		call(at(3*day), acctA, "x", "AKIA****************"), // sanitised: ignored
	}
	inv := build(t, reports, evs...)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := inv.KeyRecord(mem, at(30*day))
	defer rec.Release()
	if !rec.Schema().Equal(KeySchema) {
		t.Fatalf("schema = %s", rec.Schema())
	}
	golden.CheckString(t, "testdata/keys.golden", dump(rec))

	// The order of events does not matter.
	rev := slices.Clone(evs)
	slices.Reverse(rev)
	rec2 := build(t, reports, rev...).KeyRecord(mem, at(30*day))
	defer rec2.Release()
	if a, b := dump(rec), dump(rec2); a != b {
		t.Errorf("reversed events give another inventory:\n%s\nvs\n%s", a, b)
	}
}
