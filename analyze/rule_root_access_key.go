package analyze

import "fmt"

// RuleRootAccessKey fires for every access key of the root user.
const RuleRootAccessKey = "root-access-key"

// rootAccessKey: the root user should have no access key at all; an active
// one is critical, an inactive one (still there, can be re-activated) high.
// Root keys get no other key rule: this finding already says "delete it".
type rootAccessKey struct{}

func (rootAccessKey) ID() string { return RuleRootAccessKey }

func (rootAccessKey) Info() RuleInfo {
	return RuleInfo{
		ID:          RuleRootAccessKey,
		Severity:    "critical/high",
		CIS:         []string{"1.4"},
		SecurityHub: []string{"IAM.4"},
		Description: "the root user has an access key (critical if active, high if inactive)",
	}
}

func (rootAccessKey) Check(cfg Config, keys *KeyView, emit func(Finding)) {
	forEachKey(keys, func(k Key) {
		if !k.IsRoot {
			return
		}
		sev := High
		if k.Active {
			sev = Critical
		}
		f := slotFinding(RuleRootAccessKey, sev, k)
		status := "inactive"
		if k.Active {
			status = "active"
		}
		if k.LastRotated.IsZero() {
			f.Detail = fmt.Sprintf("root user has %s access key %d", status, k.Slot)
		} else {
			days := floorDays(cfg.AsOf.Sub(k.LastRotated))
			// A date after AsOf has a negative age; it is reported as 0
			// because AgeDays -1 means "no age" (a null) downstream.
			f.AgeDays = max(days, 0)
			f.Detail = fmt.Sprintf("root user has %s access key %d, last rotated %s",
				status, k.Slot, agoPhrase(k.LastRotated, days))
		}
		emit(f)
	})
}
