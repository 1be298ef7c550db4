package analyze

// RuleAtKeyQuota fires for an IAM user whose two key slots are taken but
// only one key is active.
const RuleAtKeyQuota = "at-key-quota"

// atKeyQuota: IAM allows two access keys per user. With one active and one
// inactive key the quota is full, so the active key cannot be rotated
// (create new, switch, delete old) until the inactive one is deleted. One
// finding per user, reported on the user's slot-1 row, with KeySlot 0.
type atKeyQuota struct{}

func (atKeyQuota) ID() string { return RuleAtKeyQuota }

func (atKeyQuota) Info() RuleInfo {
	return RuleInfo{
		ID:          RuleAtKeyQuota,
		Severity:    Low.String(),
		Description: "an IAM user has two keys, one inactive: rotation is blocked until the inactive key is deleted",
	}
}

func (atKeyQuota) Check(_ Config, keys *KeyView, emit func(Finding)) {
	forEachKey(keys, func(k Key) {
		if k.IsRoot || k.UserKeyCount != 2 || k.UserActiveKeys != 1 || !firstSlotOfUser(k) {
			return
		}
		f := userFinding(RuleAtKeyQuota, Low, k)
		f.Detail = "user has 2 access keys, 1 inactive: delete the inactive key before rotating"
		emit(f)
	})
}
