package inventory

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/analyze"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/internal/golden"
)

func limitFail(when time.Time, acct, caller, callerKey, target string) *ct.Event {
	e := iamCall(when, acct, caller, callerKey, "CreateAccessKey", target)
	e.Set(ct.ColErrorCode, "LimitExceededException")
	e.Set(ct.ColErrorMessage, "Cannot exceed quota for AccessKeysPerUser: 2")
	return e
}

func findingLines(fs []analyze.Finding) string {
	var sb strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&sb, "%s|%s|%s|%s|%s|slot=%d|%s|%s|age=%d|%s\n", f.Rule, f.Severity, f.AccountID, f.User, f.ARN, f.KeySlot, f.AccessKeyID, f.KeyStatus, f.AgeDays, f.Detail)
	}
	return sb.String()
}

func TestKeyLimitExceeded(t *testing.T) {
	evs := []*ct.Event{
		limitFail(at(0), acctA, "admin", kAdmin, "bob"),
		limitFail(at(2*day), acctA, "admin", kAdmin, "bob"),
		limitFail(at(day), acctA, "carol", k1, ""), // self-service: requestParameters null
		with(iamCall(at(day), acctA, "admin", kAdmin, "CreateAccessKey", "dave"), ct.ColErrorCode, "AccessDenied"),
		created(at(day), acctA, "admin", kAdmin, "erin", k2, at(day)),
		with(limitFail(at(day), acctA, "admin", kAdmin, "frank"), ct.ColEventName, "CreateUser"),
	}
	inv := build(t, []*credreport.Report{report(acctA, at(30*day), row("bob", slot(true, at(-9*day), time.Time{}, "", ""), slot(true, at(-8*day), time.Time{}, "", "")))}, evs...)
	cfg := analyze.DefaultConfig(at(30 * day))
	cfg.Skip = map[string]bool{RuleForeignKey: true, RuleRotationStalled: true}
	got := findingLines(inv.Findings(cfg))
	want := "key-limit-exceeded|low|111122223333|bob|arn:aws:iam::111122223333:user/bob|slot=0|||age=-1|CreateAccessKey failed 2 times from 2026-10-03 to 2026-10-05 with LimitExceededException (last by arn:aws:iam::111122223333:user/admin): the user already has two access keys; deactivate and delete the unused one before creating another\n" +
		"key-limit-exceeded|low|111122223333|carol|arn:aws:iam::111122223333:user/carol|slot=0|||age=-1|CreateAccessKey failed once on 2026-10-04 with LimitExceededException (last by arn:aws:iam::111122223333:user/carol): the user already has two access keys; deactivate and delete the unused one before creating another\n"
	if got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
}

func TestForeignKey(t *testing.T) {
	kForeign := keyOf("AKIA", acctC, 11) // belongs to C, logged as A's
	kB := keyOf("AKIA", acctB, 12)
	asiaForeign := keyOf("ASIA", acctC, 13)
	asiaHome := keyOf("ASIA", acctA, 14)
	role := func(e *ct.Event) *ct.Event {
		e.Set(ct.ColUIType, "AssumedRole")
		e.Set(ct.ColUIUserName, "")
		e.Set(ct.ColUIARN, "arn:aws:sts::"+acctA+":assumed-role/app/session")
		return e
	}
	evs := []*ct.Event{
		call(at(0), acctA, "alice", kForeign),
		call(at(day), acctA, "alice", kForeign),
		copyIn(call(at(0), acctB, "bob", kB), acctA, "x-1"), // B only calls into A: B is not an input account
		call(at(0), acctA, "erin", "AKIAIOSFODNN7EXAMPLE"),  // legacy: cannot tell
		call(at(0), acctA, "dave", "AKIATFQR7NSC8Q4X20BJ"),  // invalid: cannot tell
		role(call(at(2*day), acctA, "", asiaForeign)),
		role(call(at(2*day), acctA, "", asiaHome)),
	}
	inv := build(t, nil, evs...)
	cfg := analyze.DefaultConfig(at(30 * day))
	cfg.Skip = map[string]bool{RuleKeyLimitExceeded: true, RuleRotationStalled: true}
	golden.CheckString(t, "testdata/foreign_key.golden", findingLines(inv.Findings(cfg)))
	fs := inv.Findings(cfg)
	if len(fs) != 3 || fs[0].AccessKeyID != asiaForeign || fs[1].AccessKeyID != kForeign || fs[2].AccessKeyID != kB {
		t.Errorf("foreign keys = %s", findingLines(fs))
	}
	// With a report of C given, C's keys are no longer foreign; B's still is.
	inv = build(t, []*credreport.Report{report(acctC, at(30*day), row("x", credreport.KeySlot{}, credreport.KeySlot{}))}, evs...)
	if fs := inv.Findings(cfg); len(fs) != 1 || fs[0].AccessKeyID != kB {
		t.Errorf("with C's report: %s", findingLines(fs))
	}
}

func TestRotationStalled(t *testing.T) {
	gen := at(20 * day)
	rOld, rNew := at(-200*day), at(10*day)
	rep := []*credreport.Report{report(acctA, gen,
		row("alice", slot(true, rOld, at(15*day), "us-east-1", "s3"), slot(true, rNew, at(15*day), "us-east-1", "s3")),
		row("bob", slot(true, rOld, time.Time{}, "", ""), slot(false, rNew, time.Time{}, "", "")),
	)}
	evs := []*ct.Event{
		created(rNew, acctA, "admin", kAdmin, "alice", k2, rNew),
		call(at(15*day), acctA, "alice", k1),
		call(at(15*day), acctA, "alice", k2),
	}
	week := analyze.DefaultConfig(time.Time{}).MaxRotation
	tests := []struct {
		asOf   time.Time
		window time.Duration
		want   int
	}{
		{at(16 * day), week, 0},            // 6 days: within the default 7
		{at(17*day + time.Hour), week, 1},  // 7 days 1 hour
		{at(13 * day), 2 * analyze.Day, 1}, // custom window
		{at(10*day + time.Hour), 0, 1},     // a zero window is zero, not the default
		{at(10 * day), 0, 0},               // created at the as-of time: not longer than 0
		{time.Time{}, week, 0},             // no clock: nothing
	}
	for _, tt := range tests {
		inv := build(t, rep, evs...)
		cfg := analyze.Config{AsOf: tt.asOf, MaxRotation: tt.window, Skip: map[string]bool{RuleKeyLimitExceeded: true, RuleForeignKey: true}}
		fs := inv.Findings(cfg)
		if len(fs) != tt.want {
			t.Errorf("as of %v window %v: %d findings, want %d:\n%s", tt.asOf, tt.window, len(fs), tt.want, findingLines(fs))
			continue
		}
		if tt.want == 1 {
			f := fs[0]
			if f.User != "alice" || f.KeySlot != 1 || f.AccessKeyID != k1 || f.KeyStatus != StatusActive || !f.LastRotated.Equal(rOld) {
				t.Errorf("finding = %s", findingLines(fs))
			}
			if tt.window == week {
				golden.CheckString(t, "testdata/rotation_stalled.golden", findingLines(fs))
			}
		}
	}
}
