package inventory

import (
	"fmt"

	"github.com/keyaudit/keyaudit/analyze"
)

// RuleForeignKey fires for a key used in the logs whose ID decodes to an
// account that is none of the input accounts: the accounts of the
// credential reports and of the trails (recipientAccountId). A caller's
// own userIdentity.accountId does not make its account "yours": a partner
// account reading your bucket is exactly what this rule is for.
const RuleForeignKey = "foreign-key"

var foreignKeyInfo = analyze.RuleInfo{
	ID:          RuleForeignKey,
	Severity:    analyze.Medium.String(),
	Description: "a key used in the logs belongs, by its ID, to an account outside the inputs",
}

// foreignKey covers long-term keys (the inventory) and other keys (ASIA)
// whose decoded account differs from their caller's. Legacy and invalid
// key IDs cannot be decoded and are never reported. A log whose account
// IDs were rewritten (pseudonymised) reports every current-generation key:
// the decoded account is the truth about the key.
func foreignKey(inv *Inventory, _ analyze.Config) []analyze.Finding {
	var out []analyze.Finding
	detail := func(decoded, owner string, n int64, first, last int64) string {
		d := fmt.Sprintf("key ID decodes to account %s, which is in none of the %d input accounts", decoded, len(inv.Accounts))
		if owner != "" && owner != decoded {
			d += fmt.Sprintf("; the events name account %s", owner)
		}
		calls := "calls"
		if n == 1 {
			calls = "call"
		}
		return d + fmt.Sprintf("; %d %s from %s to %s", n, calls, dateOf(msTime(first)), dateOf(msTime(last)))
	}
	for _, k := range inv.Keys {
		if k.DecodedAccount == "" || inv.accounts[k.DecodedAccount] || k.FirstSeen.IsZero() {
			continue
		}
		status := k.Status
		if status != StatusActive && status != StatusInactive {
			status = ""
		}
		out = append(out, analyze.Finding{
			Rule:        RuleForeignKey,
			Severity:    analyze.Medium,
			AccountID:   k.AccountID,
			User:        k.User,
			ARN:         k.ARN,
			KeySlot:     k.Slot,
			AccessKeyID: k.AccessKeyID,
			KeyStatus:   status,
			LastRotated: k.Created,
			LastUsed:    k.LastSeen,
			AgeDays:     -1,
			Detail:      detail(k.DecodedAccount, k.AccountID, k.EventCount, k.FirstSeen.UnixMilli(), k.LastSeen.UnixMilli()),
		})
	}
	for _, o := range inv.others {
		if inv.accounts[o.decoded] {
			continue
		}
		out = append(out, analyze.Finding{
			Rule:        RuleForeignKey,
			Severity:    analyze.Medium,
			AccountID:   o.account.v,
			User:        o.user.v,
			ARN:         o.arn.v,
			AccessKeyID: o.id,
			LastUsed:    msTime(o.last),
			AgeDays:     -1,
			Detail:      detail(o.decoded, o.account.v, o.uses.n(inv.inInput[o.account.v]), o.first, o.last),
		})
	}
	return out
}
