package inventory

import (
	"slices"
	"time"

	"github.com/keyaudit/keyaudit/analyze"
)

// Rule is a rule over the inventory (it needs CloudTrail, unlike the
// analyze.KeyRule rules over the credential report alone).
type Rule struct {
	Info  analyze.RuleInfo
	Check func(inv *Inventory, cfg analyze.Config) []analyze.Finding
}

// Rules returns the inventory rules in a stable order. The slice is new on
// each call.
func Rules() []Rule {
	return []Rule{
		{keyLimitExceededInfo, keyLimitExceeded},
		{foreignKeyInfo, foreignKey},
		{rotationStalledInfo, rotationStalled},
	}
}

// RuleIDs returns the ID of every inventory rule, in Rules order.
func RuleIDs() []string {
	var out []string
	for _, r := range Rules() {
		out = append(out, r.Info.ID)
	}
	return out
}

// RuleInfos returns the metadata of the inventory rules, in Rules order.
func RuleInfos() []analyze.RuleInfo {
	var out []analyze.RuleInfo
	for _, r := range Rules() {
		out = append(out, r.Info)
	}
	return out
}

// Findings runs every inventory rule that cfg.Skip does not name and
// returns the findings sorted by analyze.SortFindings. Thresholds in cfg
// are used as given (zero is zero); rules that need the clock report nothing when
// cfg.AsOf is zero.
func (inv *Inventory) Findings(cfg analyze.Config) []analyze.Finding {
	var out []analyze.Finding
	for _, r := range Rules() {
		if cfg.Skip[r.Info.ID] {
			continue
		}
		out = append(out, r.Check(inv, cfg)...)
	}
	analyze.SortFindings(out)
	return out
}

// userARN is the ARN of a user from its report row, else from its keys'
// uses; "" when neither says.
func (inv *Inventory) userARN(ref userRef) string {
	u := inv.users[ref]
	if u == nil {
		return ""
	}
	if u.row != nil && u.row.ARN != "" {
		return u.row.ARN
	}
	for _, k := range u.keys {
		if k.arn.v != "" && !k.isRoot == (ref.user != RootUser) {
			return k.arn.v
		}
	}
	return ""
}

func floorDays(d time.Duration) int64 {
	n := int64(d / analyze.Day)
	if d%analyze.Day < 0 {
		n--
	}
	return n
}

func sortedRefs[V any](m map[userRef]V) []userRef {
	refs := make([]userRef, 0, len(m))
	for r := range m {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b userRef) int {
		if a.account != b.account {
			if a.account < b.account {
				return -1
			}
			return 1
		}
		if a.user < b.user {
			return -1
		}
		if a.user > b.user {
			return 1
		}
		return 0
	})
	return refs
}

func dateOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
