package analyze

import "fmt"

// RuleStaleKey fires for an active IAM user key not rotated for too long.
const RuleStaleKey = "stale-key"

// staleKey: an active key of an IAM user whose last rotation is strictly
// more than cfg.MaxKeyAge before cfg.AsOf. A key with no known rotation
// date is not judged.
type staleKey struct{}

func (staleKey) ID() string { return RuleStaleKey }

func (staleKey) Info() RuleInfo {
	return RuleInfo{
		ID:          RuleStaleKey,
		Severity:    High.String(),
		CIS:         []string{"1.14"},
		SecurityHub: []string{"IAM.3"},
		Description: "an active IAM user key was last rotated more than the maximum key age ago (default 90 days)",
	}
}

func (staleKey) Check(cfg Config, keys *KeyView, emit func(Finding)) {
	forEachKey(keys, func(k Key) {
		if k.IsRoot || !k.Active || k.LastRotated.IsZero() {
			return
		}
		age := cfg.AsOf.Sub(k.LastRotated)
		if age <= cfg.MaxKeyAge {
			return
		}
		f := slotFinding(RuleStaleKey, High, k)
		f.AgeDays = floorDays(age)
		f.Detail = fmt.Sprintf("key %d last rotated %s (limit %s)",
			k.Slot, agoPhrase(k.LastRotated, f.AgeDays), limitPhrase(cfg.MaxKeyAge))
		emit(f)
	})
}
