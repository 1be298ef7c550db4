package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// RuleInfo describes a rule for --help, the README and reports.
type RuleInfo struct {
	ID          string
	Severity    string   // e.g. "medium", or "critical/high" when it depends on the key
	CIS         []string // CIS AWS Foundations Benchmark controls, e.g. "1.14"
	SecurityHub []string // AWS Security Hub controls, e.g. "IAM.3"
	Description string   // one line
}

// KeyRule is a key-hygiene rule over the per-key view.
//
// Check is called once per per-key record, through a KeyView that has
// already checked the record's columns, and calls emit for every finding.
// A rule keeps no state between calls, so every decision it makes must
// depend on one row only (the per-user columns user_key_count and
// user_active_key_count make per-user rules row-local too). Rules read the
// clock and thresholds from cfg only, as given: a zero threshold is zero.
type KeyRule interface {
	ID() string
	Info() RuleInfo
	Check(cfg Config, keys *KeyView, emit func(Finding))
}

// Rules returns every key rule, in a stable order (the order of the README
// table). The slice is new on each call.
func Rules() []KeyRule {
	return []KeyRule{
		rootAccessKey{},
		staleKey{},
		unusedKey{},
		twoActiveKeys{},
		atKeyQuota{},
	}
}

// RuleIDs returns the ID of every key rule, in Rules order.
func RuleIDs() []string {
	rs := Rules()
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID()
	}
	return ids
}

// RuleInfos returns the metadata of every key rule, in Rules order.
func RuleInfos() []RuleInfo {
	rs := Rules()
	infos := make([]RuleInfo, len(rs))
	for i, r := range rs {
		infos[i] = r.Info()
	}
	return infos
}

// LookupRule returns the metadata of the key rule with that ID.
func LookupRule(id string) (RuleInfo, bool) {
	for _, r := range Rules() {
		if r.ID() == id {
			return r.Info(), true
		}
	}
	return RuleInfo{}, false
}

// EvaluateRecords runs every rule that cfg.Skip does not name over the
// per-key records (credreport.KeySchema; the caller keeps ownership) and
// returns the findings sorted by SortFindings, exact duplicates removed (as
// when the same report was given twice). Thresholds are taken as given: a
// zero one is zero days, not the default (start from DefaultConfig). It fails when cfg is invalid (see Config.Validate) or a record
// lacks a per-key column; the error then names the record's index.
func EvaluateRecords(cfg Config, keys []arrow.Record) ([]Finding, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	views := make([]*KeyView, len(keys))
	for i, rec := range keys {
		v, err := NewKeyView(rec)
		if err != nil {
			return nil, fmt.Errorf("evaluate key record %d: %w", i, err)
		}
		views[i] = v
	}
	var out []Finding
	emit := func(f Finding) { out = append(out, f) }
	for _, r := range Rules() {
		if cfg.Skip[r.ID()] {
			continue
		}
		for _, v := range views {
			r.Check(cfg, v, emit)
		}
	}
	SortFindings(out)
	return slices.CompactFunc(out, func(a, b Finding) bool { return compareFindings(a, b) == 0 }), nil
}

// Evaluate is EvaluateRecords for callers whose records are known to have
// the per-key columns (built with credreport.KeySchema) and whose cfg has an
// AsOf: it panics on the errors EvaluateRecords returns, which are
// programming errors, never bad input files.
func Evaluate(cfg Config, keys []arrow.Record) []Finding {
	fs, err := EvaluateRecords(cfg, keys)
	if err != nil {
		panic("analyze.Evaluate: " + err.Error())
	}
	return fs
}

// SortFindings sorts findings into report order: severity (critical first),
// then account, user, key slot and rule, then every other field, so the
// order is total and the output deterministic.
func SortFindings(fs []Finding) {
	slices.SortFunc(fs, compareFindings)
}

func compareFindings(a, b Finding) int {
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := cmp.Or(
		strings.Compare(a.AccountID, b.AccountID),
		strings.Compare(a.User, b.User),
		cmp.Compare(a.KeySlot, b.KeySlot),
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.ARN, b.ARN),
		strings.Compare(a.AccessKeyID, b.AccessKeyID),
		strings.Compare(a.KeyStatus, b.KeyStatus),
		a.LastRotated.Compare(b.LastRotated),
		a.LastUsed.Compare(b.LastUsed),
		cmp.Compare(a.AgeDays, b.AgeDays),
		strings.Compare(a.Detail, b.Detail),
	); c != 0 {
		return c
	}
	if a.Muted != b.Muted {
		if !a.Muted {
			return -1
		}
		return 1
	}
	return strings.Compare(a.MuteReason, b.MuteReason)
}

// forEachKey calls fn for every row of v.
func forEachKey(v *KeyView, fn func(Key)) {
	for i := 0; i < v.Len(); i++ {
		fn(v.Row(i))
	}
}

// slotFinding starts a finding about one key slot.
func slotFinding(rule string, sev Severity, k Key) Finding {
	return Finding{
		Rule:        rule,
		Severity:    sev,
		AccountID:   k.AccountID,
		User:        k.User,
		ARN:         k.ARN,
		KeySlot:     k.Slot,
		KeyStatus:   k.Status(),
		LastRotated: k.LastRotated,
		LastUsed:    k.LastUsed,
		AgeDays:     -1,
	}
}

// userFinding starts a finding about a user rather than one slot.
func userFinding(rule string, sev Severity, k Key) Finding {
	return Finding{
		Rule:      rule,
		Severity:  sev,
		AccountID: k.AccountID,
		User:      k.User,
		ARN:       k.ARN,
		AgeDays:   -1,
	}
}

// firstSlotOfUser reports whether k is the row a per-user rule reports on:
// the lowest existing slot of the user, so the rule fires once per user
// without remembering earlier rows. A user with two keys has both slots.
func firstSlotOfUser(k Key) bool {
	if k.UserKeyCount >= 2 {
		return k.Slot == 1
	}
	return true
}
