package inventory

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/internal/golden"
)

func TestRotations(t *testing.T) {
	gen := at(20 * day)
	rOld, rNew := at(-200*day), at(10*day)
	kAliceOld, kAliceNew := keyOf("AKIA", acctA, 21), keyOf("AKIA", acctA, 22)
	kBobOld, kBobNew := keyOf("AKIA", acctA, 23), keyOf("AKIA", acctA, 24)
	kCarolOld, kCarolNew := keyOf("AKIA", acctA, 25), keyOf("AKIA", acctA, 26)
	kDaveOld, kDaveNew := keyOf("AKIA", acctA, 27), keyOf("AKIA", acctA, 28)
	kGinaOld, kGinaNew := keyOf("AKIA", acctA, 29), keyOf("AKIA", acctA, 30)
	ip := func(e *ct.Event, v string) *ct.Event { return with(e, ct.ColSourceIPAddress, v) }
	ua := func(e *ct.Event, v string) *ct.Event { return with(e, ct.ColUserAgent, v) }
	rep := []*credreport.Report{report(acctA, gen,
		// alice: rotation in progress, old key still used from one host.
		row("alice", slot(true, rOld, at(15*day), "us-east-1", "s3"), slot(true, rNew, at(14*day), "us-east-1", "s3")),
		// bob: old key unused since the new one: deactivate.
		row("bob", slot(true, rOld, at(5*day), "us-east-1", "s3"), slot(true, rNew, at(15*day), "us-east-1", "s3")),
		// carol: old key inactive: delete. Keys IDs unknown.
		row("carol", slot(false, rOld, time.Time{}, "", ""), slot(true, rNew, time.Time{}, "", "")),
		// erin: one key: no row.
		row("erin", slot(true, rOld, time.Time{}, "", ""), credreport.KeySlot{}),
		// gina: one key in the report, a second created since.
		row("gina", slot(true, rOld, at(15*day), "us-east-1", "s3"), credreport.KeySlot{}),
		// frank: new key in slot 1, old key in slot 2.
		row("frank", slot(true, rNew, time.Time{}, "", ""), slot(true, rOld, time.Time{}, "", "")),
	)}
	evs := []*ct.Event{
		created(rNew, acctA, "admin", kAdmin, "alice", kAliceNew, rNew),
		ua(ip(call(at(9*day), acctA, "alice", kAliceOld), "198.51.100.1"), "old-app/1.0"),            // before the new key
		ua(ip(call(rNew.Add(-time.Hour), acctA, "alice", kAliceOld), "198.51.100.1"), "old-app/1.0"), // same day, before
		ip(call(at(12*day), acctA, "alice", kAliceOld), "203.0.113.5"),
		ip(call(at(15*day), acctA, "alice", kAliceOld), "203.0.113.5"),
		call(at(14*day), acctA, "alice", kAliceNew),

		created(rNew, acctA, "admin", kAdmin, "bob", kBobNew, rNew),
		call(at(5*day), acctA, "bob", kBobOld),
		call(at(15*day), acctA, "bob", kBobNew),

		call(at(15*day), acctA, "gina", kGinaOld),
		created(gen.Add(day), acctA, "admin", kAdmin, "gina", kGinaNew, gen.Add(day)),
		// dave has no report row: a pair from the logs alone.
		created(at(-50*day), acctA, "admin", kAdmin, "dave", kDaveOld, at(-50*day)),
		created(at(-day), acctA, "admin", kAdmin, "dave", kDaveNew, at(-day)),
		updated(at(0), acctA, "admin", kAdmin, "dave", kDaveOld, "Inactive"),
		// carol's keys are seen but not placeable: both slots stay unknown
		// to the logs, the rotation row still comes from the report.
		call(at(0), acctA, "carol", kCarolOld),
		call(at(0), acctA, "carol", kCarolNew),
	}
	inv := build(t, rep, evs...)
	rots := inv.Rotations()
	byUser := map[string]Rotation{}
	for _, r := range rots {
		byUser[r.User] = r
	}
	if _, ok := byUser["erin"]; ok {
		t.Error("erin has one key but a rotation row")
	}
	a := byUser["alice"]
	if a.OldKey != kAliceOld || a.NewKey != kAliceNew || a.OldCallsSinceNew != 2 || !a.OldCallsExact ||
		len(a.OldSourceIPs) != 1 || a.OldSourceIPs[0].Value != "203.0.113.5" || a.OldSourceIPs[0].N != 2 ||
		!strings.HasPrefix(a.NextStep, "update applications: the old key was last used") {
		t.Errorf("alice = %+v", a)
	}
	b := byUser["bob"]
	if b.OldCallsSinceNew != 0 || !strings.HasPrefix(b.NextStep, "deactivate the old key") || !strings.Contains(b.NextStep, "--user-name bob --access-key-id "+kBobOld+" --status Inactive") {
		t.Errorf("bob = %+v", b)
	}
	c := byUser["carol"]
	if c.OldKey != "" || c.OldCallsSinceNew != -1 || !strings.Contains(c.NextStep, "delete-access-key --user-name carol --access-key-id <key in slot 1>") {
		t.Errorf("carol = %+v", c)
	}
	if d := byUser["dave"]; d.OldKey != kDaveOld || d.OldStatus != StatusInactive || d.NewKey != kDaveNew || d.OldSlot != 0 {
		t.Errorf("dave = %+v", d)
	}
	if f := byUser["frank"]; f.OldSlot != 2 || f.NewSlot != 1 {
		t.Errorf("frank = %+v", f)
	}
	if g := byUser["gina"]; g.OldKey != kGinaOld || g.OldSlot != 1 || g.NewKey != kGinaNew || g.NewSlot != 0 || !g.NewCreated.Equal(gen.Add(day)) {
		t.Errorf("gina = %+v", g)
	}
	if len(rots) != 6 {
		t.Errorf("%d rotation rows, want 6 (alice, bob, carol, dave, frank, gina)", len(rots))
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := inv.RotationRecord(mem, analyze.Config{AsOf: at(30 * day)})
	defer rec.Release()
	golden.CheckString(t, "testdata/rotation.golden", dump(rec))
}

func TestRotationStraddlingDay(t *testing.T) {
	rNew := at(10 * day) // 09:14:28 on its day
	kOld, kNew := keyOf("AKIA", acctA, 31), keyOf("AKIA", acctA, 32)
	evs := []*ct.Event{
		created(rNew, acctA, "admin", kAdmin, "alice", kNew, rNew),
		created(at(-10*day), acctA, "admin", kAdmin, "alice", kOld, at(-10*day)),
		call(rNew.Add(-time.Hour), acctA, "alice", kOld),
		call(rNew.Add(time.Hour), acctA, "alice", kOld),
		call(rNew.Add(day), acctA, "alice", kOld),
	}
	inv := build(t, nil, evs...)
	rots := inv.Rotations()
	if len(rots) != 1 {
		t.Fatalf("%d rows", len(rots))
	}
	r := rots[0]
	// The creation day's calls straddle it: only the next day's call is
	// counted, and the count says it is not exact.
	if r.OldCallsSinceNew != 1 || r.OldCallsExact || !r.oldStillUsed() {
		t.Errorf("calls since new = %d exact %v", r.OldCallsSinceNew, r.OldCallsExact)
	}
}

// TestRotationAfterAsOf: a newer key created after the as-of time has no
// both-active age (never a negative one), is not stalled, and the next step
// says its date is after the as-of time, as audit does.
func TestRotationAfterAsOf(t *testing.T) {
	rNew := at(10 * day)
	kOld, kNew := keyOf("AKIA", acctA, 33), keyOf("AKIA", acctA, 34)
	inv := build(t, nil,
		created(at(-10*day), acctA, "admin", kAdmin, "alice", kOld, at(-10*day)),
		created(rNew, acctA, "admin", kAdmin, "alice", kNew, rNew),
		call(rNew.Add(day), acctA, "alice", kNew),
	)
	cfg := analyze.DefaultConfig(at(5 * day))
	cfg.MaxRotation = 0
	r := inv.Rotations()[0]
	if d, ok := r.BothActiveDays(cfg); ok || r.Stalled(cfg) {
		t.Errorf("both active %d days (%v), stalled %v; want no age, not stalled", d, ok, r.Stalled(cfg))
	}
	if fs := inv.Findings(cfg); len(fs) != 0 {
		t.Errorf("findings: %s", findingLines(fs))
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := inv.RotationRecord(mem, cfg)
	defer rec.Release()
	got := dump(rec)
	want := "the newer key was created on " + rNew.Format(time.DateOnly) + ", after the as-of time; "
	if !strings.Contains(got, want) || !strings.HasSuffix(strings.TrimSpace(got), ",,false") {
		t.Errorf("rotation record does not say %q with a null both_active_days:\n%s", want, got)
	}
}
