package analyze

import (
	"testing"
	"time"
)

func TestIdentityMatches(t *testing.T) {
	id := func(slot int, key string) Identity {
		return Identity{Rule: RuleStaleKey, AccountID: acct, User: "alice", KeySlot: slot, AccessKeyID: key}
	}
	tests := []struct {
		name string
		a, b Identity
		want bool
	}{
		{"same", id(1, "AKIAA"), id(1, "AKIAA"), true},
		{"key ID became known: match on slot", id(1, ""), id(1, "AKIAA"), true},
		{"key ID no longer known: match on slot", id(1, "AKIAA"), id(1, ""), true},
		{"slot became known: match on key ID", id(0, "AKIAA"), id(2, "AKIAA"), true},
		{"slot no longer known: match on key ID", id(2, "AKIAA"), id(0, "AKIAA"), true},
		{"the key moved to slot 1: the ID wins", id(2, "AKIAA"), id(1, "AKIAA"), true},
		{"other key in the same slot", id(1, "AKIAA"), id(1, "AKIAB"), false},
		{"only the slot on one side, only the ID on the other", id(1, ""), id(0, "AKIAA"), false},
		{"other slot, no IDs", id(1, ""), id(2, ""), false},
		{"per-user findings", id(0, ""), id(0, ""), true},
		{"other rule", id(1, ""), Identity{Rule: RuleUnusedKey, AccountID: acct, User: "alice", KeySlot: 1}, false},
		{"other user", id(1, ""), Identity{Rule: RuleStaleKey, AccountID: acct, User: "bob", KeySlot: 1}, false},
		{"other account", id(1, ""), Identity{Rule: RuleStaleKey, AccountID: "222222222222", User: "alice", KeySlot: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Matches(tt.b); got != tt.want {
				t.Errorf("%+v.Matches(%+v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := tt.b.Matches(tt.a); got != tt.want {
				t.Errorf("not symmetric: %+v.Matches(%+v) = %v", tt.b, tt.a, got)
			}
		})
	}
}

func TestIdentityUID(t *testing.T) {
	a := Identity{Rule: RuleStaleKey, AccountID: acct, User: "alice", KeySlot: 1, AccessKeyID: "AKIAA"}
	if got, want := a.UID(), a.UID(); got != want || len(got) != len("keyaudit-")+32 {
		t.Fatalf("UID %q, %q", got, want)
	}
	b := a
	b.User = "alice1" // the fields are length-prefixed: no two identities hash the same bytes
	c := Identity{Rule: a.Rule, AccountID: a.AccountID, User: "alice", KeySlot: 11, AccessKeyID: "AKIAA"}
	if a.UID() == b.UID() || a.UID() == c.UID() {
		t.Errorf("different identities share a UID")
	}
}

func TestCompareBaseline(t *testing.T) {
	base0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	f := func(rule, user string, slot int, key string) Finding {
		return Finding{Rule: rule, Severity: Medium, AccountID: acct, User: user, KeySlot: slot, AccessKeyID: key, AgeDays: -1}
	}
	cur := []Finding{
		f(RuleStaleKey, "alice", 1, "AKIAALICE"), // the baseline did not know the ID
		f(RuleUnusedKey, "bob", 1, ""),           // new
		f(RuleTwoActiveKeys, "carol", 0, ""),     // unchanged, per user
		f("foreign-key", "dave", 2, "AKIADAVE"),  // the baseline did not know the slot
	}
	cur[0].AgeDays = 120
	old := f(RuleStaleKey, "alice", 1, "")
	old.AgeDays, old.FirstSeen = 60, base0
	gone := f(RuleUnusedKey, "erin", 2, "AKIAERIN")
	gone.Detail, gone.Muted, gone.MuteReason = "key 2 last used 50 days ago", true, "ticket"
	already := f(RuleUnusedKey, "frank", 1, "")
	already.Status = StatusResolved // resolved in the baseline run: not carried again
	base := []Finding{gone, f("foreign-key", "dave", 0, "AKIADAVE"), already, f(RuleTwoActiveKeys, "carol", 0, ""), old}

	got, counts := CompareBaseline(cur, base, asOf)
	if counts != (BaselineCounts{New: 1, Unchanged: 3, Resolved: 1}) {
		t.Errorf("counts %+v", counts)
	}
	if len(got) != 5 {
		t.Fatalf("%d findings, want 5: %+v", len(got), got)
	}
	want := []struct {
		user, status string
		first        time.Time
	}{
		{"alice", StatusUnchanged, base0}, // carried over
		{"bob", StatusNew, asOf},
		{"carol", StatusUnchanged, asOf}, // the baseline has no first_seen: this run's as-of
		{"dave", StatusUnchanged, asOf},
		{"erin", StatusResolved, time.Time{}},
	}
	for i, w := range want {
		if got[i].User != w.user || got[i].Status != w.status || !got[i].FirstSeen.Equal(w.first) {
			t.Errorf("finding %d: %s %s first seen %v, want %s %s %v", i, got[i].User, got[i].Status, got[i].FirstSeen, w.user, w.status, w.first)
		}
	}
	if got[0].AgeDays != 120 || got[0].AccessKeyID != "AKIAALICE" {
		t.Errorf("an unchanged finding keeps this run's values: %+v", got[0])
	}
	if r := got[4]; r.Detail != gone.Detail || !r.Muted || r.MuteReason != "ticket" || r.AccessKeyID != "AKIAERIN" {
		t.Errorf("a resolved finding keeps the baseline's values: %+v", r)
	}
}

// TestCompareBaselineOneToOne: a baseline finding matches one current
// finding at most, and exact identities pair before looser matches.
func TestCompareBaselineOneToOne(t *testing.T) {
	f := func(slot int, key string) Finding {
		return Finding{Rule: RuleStaleKey, Severity: High, AccountID: acct, User: "ivan", KeySlot: slot, AccessKeyID: key, AgeDays: -1}
	}
	// This run knows both keys' slots and IDs; the baseline knew key 2 by ID
	// only, and slot 1 without an ID.
	cur := []Finding{f(1, "AKIAONE"), f(2, "AKIATWO")}
	base := []Finding{f(0, "AKIATWO"), f(1, "")}
	got, counts := CompareBaseline(cur, base, asOf)
	if counts != (BaselineCounts{Unchanged: 2}) {
		t.Fatalf("counts %+v: %+v", counts, got)
	}
	// Two current findings could both take one baseline finding by slot.
	got, counts = CompareBaseline([]Finding{f(1, ""), f(1, "AKIAONE")}, []Finding{f(1, "AKIAONE")}, asOf)
	if counts != (BaselineCounts{New: 1, Unchanged: 1}) || got[1].Status != StatusUnchanged {
		t.Fatalf("counts %+v: %+v", counts, got)
	}
}

func TestCompareBaselineEmpty(t *testing.T) {
	got, counts := CompareBaseline(nil, nil, asOf)
	if len(got) != 0 || counts != (BaselineCounts{}) {
		t.Fatalf("%+v %+v", got, counts)
	}
}
