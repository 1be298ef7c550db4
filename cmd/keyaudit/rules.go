package main

import (
	"fmt"
	"strings"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
)

// allRuleIDs lists every rule --skip-rule accepts: the credential-report
// rules and the CloudTrail ones.
func allRuleIDs() []string {
	return append(analyze.RuleIDs(), inventory.RuleIDs()...)
}

// allRuleInfos describes every rule, credential-report rules first.
func allRuleInfos() []analyze.RuleInfo {
	return append(analyze.RuleInfos(), inventory.RuleInfos()...)
}

func rulesHelp() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %-19s %-13s %s\n", "RULE", "SEVERITY", "FIRES WHEN")
	for _, r := range allRuleInfos() {
		fmt.Fprintf(&b, "  %-19s %-13s %s\n", r.ID, r.Severity, r.Description)
	}
	return b.String()
}
