package analyze

// Remediation is what to do about the findings of one rule, for reports
// that carry advice (ASFF, HTML).
type Remediation struct {
	Text string // one or two sentences, at most 512 characters (ASFF's limit)
	URL  string // AWS documentation
}

const (
	docAccessKeys = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"
	docRotate     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id-credentials-access-keys-update.html"
	docRoot       = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html"
	docFindUnused = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html"
	docQuotas     = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
)

// remediations covers every rule, those of package inventory included
// (by ID: inventory imports analyze, not the other way round).
var remediations = map[string]Remediation{
	RuleRootAccessKey:    {"Delete the root user's access keys (deactivate first if something may still use them) and use IAM roles or IAM Identity Center instead.", docRoot},
	RuleStaleKey:         {"Rotate the key: create a second key, move its applications to it, confirm the old key is no longer used, then deactivate and delete the old key. Prefer temporary credentials (roles) over long-term keys.", docRotate},
	RuleUnusedKey:        {"Deactivate the unused key; delete it once nothing has failed for lack of it.", docFindUnused},
	RuleTwoActiveKeys:    {"Keep one active key per user: finish the rotation in progress and deactivate the key no longer in use.", docRotate},
	RuleAtKeyQuota:       {"Delete the inactive key so the user can rotate: IAM allows two access keys per user, inactive ones included.", docQuotas},
	"key-limit-exceeded": {"The user already holds two access keys: deactivate and delete the one not in use before creating another.", docQuotas},
	"foreign-key":        {"Find out who owns the account the key belongs to and why its key calls your accounts; if it is not expected, ask its owner to deactivate it and review what it did.", docAccessKeys},
	"rotation-stalled":   {"Finish the rotation: move the remaining callers to the newer key, confirm the old key is unused, then deactivate and delete it.", docRotate},
}

// RemediationFor returns the remediation of the rule with that ID, and
// false for a rule without one.
func RemediationFor(rule string) (Remediation, bool) {
	r, ok := remediations[rule]
	return r, ok
}
