package inventory

import (
	"fmt"

	"github.com/keyaudit/keyaudit/analyze"
)

// RuleKeyLimitExceeded fires for a user for whom CreateAccessKey failed
// with LimitExceededException: the user already had two keys, the IAM
// quota, so a rotation or a new deployment could not get a key.
const RuleKeyLimitExceeded = "key-limit-exceeded"

var keyLimitExceededInfo = analyze.RuleInfo{
	ID:          RuleKeyLimitExceeded,
	Severity:    analyze.Low.String(),
	Description: "CreateAccessKey failed with LimitExceededException: the user already has two access keys",
}

// keyLimitExceeded: one finding per user (requestParameters.userName, or
// the caller for a self-service call), KeySlot 0.
func keyLimitExceeded(inv *Inventory, _ analyze.Config) []analyze.Finding {
	var out []analyze.Finding
	for _, ref := range sortedRefs(inv.limits) {
		l := inv.limits[ref]
		arn := inv.userARN(ref)
		if arn == "" && l.self {
			arn = l.arn.v
		}
		times := "once"
		if l.n > 1 {
			times = fmt.Sprintf("%d times", l.n)
		}
		when := "on " + dateOf(msTime(l.first))
		if l.n > 1 && dateOf(msTime(l.first)) != dateOf(msTime(l.last)) {
			when = "from " + dateOf(msTime(l.first)) + " to " + dateOf(msTime(l.last))
		}
		out = append(out, analyze.Finding{
			Rule:      RuleKeyLimitExceeded,
			Severity:  analyze.Low,
			AccountID: ref.account,
			User:      ref.user,
			ARN:       arn,
			LastUsed:  msTime(l.last),
			AgeDays:   -1,
			Detail: fmt.Sprintf("CreateAccessKey failed %s %s with LimitExceededException (last by %s): the user already has two access keys; deactivate and delete the unused one before creating another",
				times, when, orUnknown(l.arn.v)),
		})
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown caller"
	}
	return s
}
