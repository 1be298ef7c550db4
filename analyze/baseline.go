package analyze

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"
)

// Statuses of a finding compared with a baseline (CompareBaseline).
const (
	StatusNew       = "new"       // not in the baseline
	StatusUnchanged = "unchanged" // in the baseline and in this run
	StatusResolved  = "resolved"  // in the baseline, not in this run
)

// Identity is what makes a finding the same finding from one run to the
// next: its rule, account, user, key slot (0 when the finding has none or
// it is not known) and access key ID ("" when not known). Severity, ages,
// details and suppressions are not part of it: a stale key that got older
// is the same finding.
type Identity struct {
	Rule, AccountID, User string
	KeySlot               int
	AccessKeyID           string
}

// IdentityOf returns the identity of f.
func IdentityOf(f Finding) Identity {
	return Identity{Rule: f.Rule, AccountID: f.AccountID, User: f.User, KeySlot: f.KeySlot, AccessKeyID: f.AccessKeyID}
}

// Matches reports whether a and b name the same finding, across runs where
// a key's ID or slot may have become known (CloudTrail given one time and
// not the other, a credential report added):
//
//   - rule, account and user are equal, and
//   - when both know the access key ID, the IDs are equal (the slots are
//     not compared: the ID is the key);
//   - otherwise the key slots are equal (0 = 0 for per-user findings).
//
// So a finding whose key ID became known matches on its slot, and one whose
// slot became known (a foreign-key finding once its account's report is
// given) matches on its ID. A finding that knows only the slot never
// matches one that knows only the ID.
func (a Identity) Matches(b Identity) bool {
	if a.Rule != b.Rule || a.AccountID != b.AccountID || a.User != b.User {
		return false
	}
	if a.AccessKeyID != "" && b.AccessKeyID != "" {
		return a.AccessKeyID == b.AccessKeyID
	}
	return a.KeySlot == b.KeySlot
}

// UID is a stable identifier of the identity: "keyaudit-" and 32 hex
// digits of a SHA-256 over its fields. It changes when the key ID or slot
// becomes known; Matches is what follows a finding across that.
func (a Identity) UID() string {
	h := sha256.New()
	for _, s := range []string{"keyaudit finding v1", a.Rule, a.AccountID, a.User, strconv.Itoa(a.KeySlot), a.AccessKeyID} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return "keyaudit-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// BaselineCounts counts the findings of each status.
type BaselineCounts struct {
	New, Unchanged, Resolved int
}

// CompareBaseline sets Status and FirstSeen on every finding of cur (this
// run's findings, in report order) by matching each with at most one
// finding of base (a previous run's, as read back from its output), and
// returns cur followed by the base findings no current finding matched,
// marked StatusResolved with the baseline's values, in report order.
//
// A matched finding is StatusUnchanged and keeps the baseline's FirstSeen,
// or gets asOf when the baseline has none (it was written without
// --baseline); a new finding gets StatusNew and asOf. A resolved finding
// keeps the baseline's FirstSeen, zero when it has none. Baseline findings
// whose own Status is StatusResolved were already gone then and are
// skipped.
//
// Matching is one to one: exact identities are paired first, then by key
// ID, then by slot (see Identity.Matches), each time in report order, so
// the result does not depend on the order of base.
func CompareBaseline(cur, base []Finding, asOf time.Time) ([]Finding, BaselineCounts) {
	var old []Finding
	for _, b := range base {
		if b.Status != StatusResolved {
			old = append(old, b)
		}
	}
	SortFindings(old)
	matched := make([]bool, len(old))
	pair := make([]int, len(cur))
	for i := range pair {
		pair[i] = -1
	}
	passes := []func(a, b Identity) bool{
		func(a, b Identity) bool { return a == b },
		func(a, b Identity) bool { return a.AccessKeyID != "" && b.AccessKeyID != "" && a.Matches(b) },
		Identity.Matches,
	}
	for _, match := range passes {
		for i := range cur {
			if pair[i] >= 0 {
				continue
			}
			id := IdentityOf(cur[i])
			for j := range old {
				if !matched[j] && match(id, IdentityOf(old[j])) {
					pair[i], matched[j] = j, true
					break
				}
			}
		}
	}
	var c BaselineCounts
	out := make([]Finding, 0, len(cur)+len(old))
	for i, f := range cur {
		if j := pair[i]; j >= 0 {
			f.Status, f.FirstSeen = StatusUnchanged, old[j].FirstSeen
			if f.FirstSeen.IsZero() {
				f.FirstSeen = asOf
			}
			c.Unchanged++
		} else {
			f.Status, f.FirstSeen = StatusNew, asOf
			c.New++
		}
		out = append(out, f)
	}
	for j, f := range old {
		if !matched[j] {
			f.Status = StatusResolved
			out = append(out, f)
			c.Resolved++
		}
	}
	return slices.Clip(out), c
}
