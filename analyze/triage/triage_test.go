package triage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/internal/golden"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// demoInput reads the demo organization for the leaks of reports, as
// `keyaudit triage` does.
func demoInput(t *testing.T, mem memory.Allocator, reports []*Report) Input {
	t.Helper()
	inv, sb := inventory.New(), sessions.New()
	act := inventory.NewActivity(LeakedKeyIDs(reports))
	for id, at := range Leaked(reports) {
		act.Since(id, at)
	}
	sink := sinkFunc(func(rec arrow.Record) error {
		for _, f := range []func(arrow.Record) error{inv.Add, sb.Add, act.Add} {
			if err := f(rec); err != nil {
				return err
			}
		}
		return nil
	})
	res, err := ingest.Run(context.Background(), []string{"../../testdata/demo"}, ingest.Options{Mem: mem, Workers: 2}, sink)
	if err != nil {
		t.Fatal(err)
	}
	inv.AddCredentialsFileKeys(res.KeyIDs)
	return Input{AsOf: asOf, Inventory: inv.Finish(res.Reports), Sessions: sb.Finish(), Activity: act}
}

type sinkFunc func(arrow.Record) error

func (f sinkFunc) Events(rec arrow.Record) error { return f(rec) }

func allLeaks(t *testing.T) []*Report {
	var reps []*Report
	for _, n := range []string{"gitleaks.json", "trufflehog.jsonl", "scan.sarif", "ids.txt"} {
		reps = append(reps, parseFile(t, n))
	}
	return reps
}

func render(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		exp := "-"
		if r.Expired != nil {
			exp = fmt.Sprint(*r.Expired)
		}
		after := "-"
		if r.CallsAfterLeak != nil {
			after = fmt.Sprint(*r.CallsAfterLeak)
		}
		fmt.Fprintf(&b, "%s %s partial=%v type=%s account=%q (%s) ours=%s\n", r.Verdict, r.AccessKeyID, r.Partial, r.KeyType, r.AccountID, r.AccountNote, r.Ours)
		fmt.Fprintf(&b, "  owner=%q arn=%q by=%q status=%s created=%s last_used=%s %s/%s seen=%s..%s calls=%d\n",
			r.Owner, r.ARN, r.KnownBy, r.Status, fmtTime(r.Created), fmtTime(r.LastUsed), r.LastService, r.LastRegion, fmtTime(r.FirstSeen), fmtTime(r.LastSeen), r.Calls)
		fmt.Fprintf(&b, "  root=%s %q %s expires=%s expired=%s gci=%d %s verified=%v leaked=%s after=%s first_after=%s\n",
			r.RootKind, r.RootPrincipal, r.RootAccessKeyID, fmtTime(r.Expires), exp, r.CallerIdentityCalls, fmtTime(r.LastCallerIdentity), r.ScannerVerified, fmtTime(r.LeakedAt), after, fmtTime(r.FirstUseAfterLeak))
		fmt.Fprintf(&b, "  at %s by %s\n  next: %s\n  note: %s\n", strings.Join(r.Locations, LocationSep), strings.Join(r.Scanners, ","), r.NextStep, r.Note)
	}
	return b.String()
}

// TestTriageDemo pins every row for the leaks of testdata/leaks over the
// demo organization: each verdict, partial and legacy IDs, a foreign key,
// a temporary key used after its leak, a key a scanner verified.
func TestTriageDemo(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	reps := allLeaks(t)
	rows := Triage(demoInput(t, mem, reps), reps)
	golden.CheckString(t, "testdata/demo.golden", render(rows))
	verdicts := map[string]Verdict{}
	for _, r := range rows {
		verdicts[r.AccessKeyID] = r.Verdict
	}
	for id, want := range map[string]Verdict{
		"AKIARTX3GSDSXSBWYXCA": RotateNow, // the prod root key, active
		"AKIA3KF6UTOH246HKXHC": RotateNow, // ivan's old key, active
		"ASIAWO645SY5I76TE4ZN": CheckUse,  // expired, used 2 minutes after the leak
		"AKIATCH6YDSYZCVLFRUW": NotOurs,   // partner account
		"AKIA6RU73QDQ4RSW23ZR": NotOurs,   // an outsider's key
		"AKIAIOSFODNN7EXAMPLE": Unknown,   // legacy
		"AKIA3KF6UTOHQI":       Unknown,   // redacted, account decoded
	} {
		if verdicts[id] != want {
			t.Errorf("%s: verdict %q, want %q", id, verdicts[id], want)
		}
	}
	rec := Record(mem, rows)
	defer rec.Release()
	if int(rec.NumRows()) != len(rows) || !rec.Schema().Equal(Schema) {
		t.Fatalf("record: %d rows, schema %v", rec.NumRows(), rec.Schema())
	}
}

// TestTriageNoInputs: without PATHs every key is decoded, none is placed.
func TestTriageNoInputs(t *testing.T) {
	rows := Triage(Input{AsOf: asOf}, allLeaks(t))
	for _, r := range rows {
		if r.Ours != OursUnknown || r.Verdict != Unknown {
			t.Errorf("%s: ours %s verdict %s", r.AccessKeyID, r.Ours, r.Verdict)
		}
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	Record(mem, rows).Release()
	Record(mem, nil).Release()
}

func TestParseVerdict(t *testing.T) {
	for _, v := range Verdicts() {
		if got, err := ParseVerdict(string(v)); err != nil || got != v {
			t.Errorf("ParseVerdict(%s) = %s, %v", v, got, err)
		}
	}
	if _, err := ParseVerdict("rotate"); err == nil {
		t.Error("ParseVerdict(rotate) succeeded")
	}
	if RotateNow.Rank() <= CheckUse.Rank() || CheckUse.Rank() <= Unknown.Rank() || NotOurs.Rank() != 0 {
		t.Error("verdicts out of order")
	}
}
