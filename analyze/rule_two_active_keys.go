package analyze

// RuleTwoActiveKeys fires for an IAM user with both access keys active.
const RuleTwoActiveKeys = "two-active-keys"

// twoActiveKeys: one active key per user is the norm; two active keys
// outside a short rotation window double what can leak. One finding per
// user, reported on the user's slot-1 row, with KeySlot 0.
type twoActiveKeys struct{}

func (twoActiveKeys) ID() string { return RuleTwoActiveKeys }

func (twoActiveKeys) Info() RuleInfo {
	return RuleInfo{
		ID:          RuleTwoActiveKeys,
		Severity:    Medium.String(),
		CIS:         []string{"1.13"},
		Description: "an IAM user has two active access keys",
	}
}

func (twoActiveKeys) Check(_ Config, keys *KeyView, emit func(Finding)) {
	forEachKey(keys, func(k Key) {
		if k.IsRoot || k.UserActiveKeys < 2 || !firstSlotOfUser(k) {
			return
		}
		f := userFinding(RuleTwoActiveKeys, Medium, k)
		f.Detail = "user has 2 active access keys"
		emit(f)
	})
}
