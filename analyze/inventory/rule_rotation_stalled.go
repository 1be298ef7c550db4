package inventory

import (
	"fmt"
	"time"

	"github.com/keyaudit/keyaudit/analyze"
)

// RuleRotationStalled fires when both keys of a user have been active for
// longer than cfg.MaxRotation since the newer one was created: a rotation
// was started and not finished.
const RuleRotationStalled = "rotation-stalled"

var rotationStalledInfo = analyze.RuleInfo{
	ID:          RuleRotationStalled,
	Severity:    analyze.Medium.String(),
	Description: "both access keys of a user active longer than the rotation window (default 7 days) after the newer was created",
}

// DefaultMaxRotation is rotation-stalled's default window, that of
// analyze.DefaultConfig. A zero cfg.MaxRotation is a window of zero.
const DefaultMaxRotation = 7 * analyze.Day

// rotationStalled reports on the old key (its slot and ID when known): it
// is the one to retire. AgeDays counts days since the new key's creation.
func rotationStalled(inv *Inventory, cfg analyze.Config) []analyze.Finding {
	if cfg.AsOf.IsZero() {
		return nil
	}
	window := cfg.MaxRotation
	var out []analyze.Finding
	for _, r := range inv.Rotations() {
		if !r.Stalled(cfg) {
			continue
		}
		age := cfg.AsOf.Sub(r.NewCreated)
		newKey := "slot " + SlotString(r.NewSlot)
		if r.NewKey != "" {
			newKey = r.NewKey + ", " + newKey
		}
		d := fmt.Sprintf("both access keys active %d days after the newer key (%s) was created on %s, more than %s; next: %s",
			floorDays(age), newKey, dateOf(r.NewCreated), windowPhrase(window), r.NextStep)
		out = append(out, analyze.Finding{
			Rule:        RuleRotationStalled,
			Severity:    analyze.Medium,
			AccountID:   r.AccountID,
			User:        r.User,
			ARN:         r.ARN,
			KeySlot:     r.OldSlot,
			AccessKeyID: r.OldKey,
			KeyStatus:   StatusActive,
			LastRotated: r.OldCreated,
			LastUsed:    r.OldLastUsed,
			AgeDays:     floorDays(age),
			Detail:      d,
		})
	}
	return out
}

func windowPhrase(d time.Duration) string {
	switch {
	case d == analyze.Day:
		return "1 day"
	case d%analyze.Day == 0:
		return fmt.Sprintf("%d days", d/analyze.Day)
	}
	return d.String()
}
