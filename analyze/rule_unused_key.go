package analyze

import (
	"fmt"
	"time"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// RuleUnusedKey fires for an active IAM user key not used for too long.
const RuleUnusedKey = "unused-key"

// unusedKey: an active key of an IAM user idle strictly more than
// cfg.MaxUnused before cfg.AsOf. Idle time counts from the last use; a key
// never used (state never) counts from its last rotation, i.e. its creation
// or last rotation, so a fresh key is not flagged but an old, never used
// one is. A key whose use IAM does not know (state no_information, or a
// "used" row without a date) also counts from its last rotation: it may be
// in use, but nothing shows it. A key with neither date is not judged. A
// last use before the last rotation (inconsistent, yet seen in real
// reports) counts from the rotation: no key is idle longer than it exists.
type unusedKey struct{}

func (unusedKey) ID() string { return RuleUnusedKey }

func (unusedKey) Info() RuleInfo {
	return RuleInfo{
		ID:          RuleUnusedKey,
		Severity:    Medium.String(),
		CIS:         []string{"1.12"},
		SecurityHub: []string{"IAM.22"},
		Description: "an active IAM user key was not used for more than the maximum idle time (default 45 days); never-used keys count from creation",
	}
}

func (unusedKey) Check(cfg Config, keys *KeyView, emit func(Finding)) {
	forEachKey(keys, func(k Key) {
		if k.IsRoot || !k.Active {
			return
		}
		since, what := unusedSince(k)
		if since.IsZero() {
			return
		}
		idle := cfg.AsOf.Sub(since)
		if idle <= cfg.MaxUnused {
			return
		}
		f := slotFinding(RuleUnusedKey, Medium, k)
		f.AgeDays = floorDays(idle)
		f.Detail = fmt.Sprintf("key %d %s %s (limit %s)",
			k.Slot, what, agoPhrase(since, f.AgeDays), limitPhrase(cfg.MaxUnused))
		emit(f)
	})
}

// unusedSince returns when k's idle time starts and how to say so.
func unusedSince(k Key) (time.Time, string) {
	switch {
	case k.LastUsedState == credreport.StateUsed && !k.LastUsed.IsZero():
		if k.LastRotated.After(k.LastUsed) {
			// Inconsistent, but seen in real reports: a key cannot have
			// been idle for longer than it exists.
			return k.LastRotated, "last used before its last rotation,"
		}
		return k.LastUsed, "last used"
	case k.LastUsedState == credreport.StateNever:
		return k.LastRotated, "never used; created or rotated"
	default:
		return k.LastRotated, "has no usage information; last rotated"
	}
}
