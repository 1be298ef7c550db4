package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/report"
)

const projectURI = "https://github.com/keyaudit/keyaudit"

// sarifVersion is the module version of a released build, "" otherwise
// (a local or test build): SARIF output stays the same bytes across builds
// of one commit.
func sarifVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Version
}

// severityLevel maps a severity to a SARIF level: critical and high are
// errors, medium a warning, low and info notes.
func severityLevel(s analyze.Severity) string {
	switch {
	case s >= analyze.High:
		return report.LevelError
	case s == analyze.Medium:
		return report.LevelWarning
	}
	return report.LevelNote
}

// securitySeverity is GitHub's 0-10 score of a severity (over 9.0 critical,
// 7.0 high, 4.0 medium, else low).
var securitySeverity = map[analyze.Severity]string{
	analyze.Critical: "9.5", analyze.High: "8.0", analyze.Medium: "5.5", analyze.Low: "3.0", analyze.Info: "0.0",
}

// auditSARIFTool describes every audit rule: the credential-report rules
// and the inventory ones, with their severity, controls and description.
func auditSARIFTool() report.SARIFTool {
	tool := report.SARIFTool{Name: "keyaudit", Version: sarifVersion(), InformationURI: projectURI}
	for _, r := range append(analyze.RuleInfos(), inventory.RuleInfos()...) {
		// "critical/high": the rule's default is its highest severity.
		sev, err := analyze.ParseSeverity(strings.SplitN(r.Severity, "/", 2)[0])
		if err != nil {
			sev = analyze.Medium
		}
		help := r.Description + "."
		if len(r.CIS) > 0 {
			help += " CIS AWS Foundations Benchmark " + strings.Join(r.CIS, ", ") + "."
		}
		if len(r.SecurityHub) > 0 {
			help += " AWS Security Hub " + strings.Join(r.SecurityHub, ", ") + "."
		}
		help += " Severity: " + r.Severity + ". See 'keyaudit audit --help'."
		tool.Rules = append(tool.Rules, report.SARIFRule{
			ID: r.ID, ShortDescription: r.Description, Help: help, HelpURI: projectURI + "#rules",
			DefaultLevel: severityLevel(sev), Tags: []string{"security", "aws-iam"}, SecuritySeverity: securitySeverity[sev],
		})
	}
	return tool
}

// findingsSARIF turns findings into SARIF results. Findings have no file:
// each has one location made of logical locations, the account, the user
// (its ARN as fully qualified name) and the key (its ID, or its slot when
// the ID is unknown). The fingerprint hashes rule, account, user, slot and
// key, so an alert keeps its identity across runs while its age changes.
// Muted findings are marked suppressed with their reason.
func findingsSARIF(fs []analyze.Finding) []report.SARIFResult {
	out := make([]report.SARIFResult, 0, len(fs))
	for _, f := range fs {
		var logical []report.SARIFLogicalLocation
		if f.AccountID != "" {
			logical = append(logical, report.SARIFLogicalLocation{Name: f.AccountID, FullyQualifiedName: "aws:" + f.AccountID, Kind: "namespace"})
		}
		if f.User != "" {
			logical = append(logical, report.SARIFLogicalLocation{Name: f.User, FullyQualifiedName: f.ARN, Kind: "resource"})
		}
		switch {
		case f.AccessKeyID != "":
			logical = append(logical, report.SARIFLogicalLocation{Name: f.AccessKeyID, FullyQualifiedName: f.ARN + "#" + f.AccessKeyID, Kind: "resource"})
		case f.KeySlot > 0:
			slot := fmt.Sprintf("access key %d", f.KeySlot)
			logical = append(logical, report.SARIFLogicalLocation{Name: slot, FullyQualifiedName: f.ARN + "#" + slot, Kind: "resource"})
		}
		if len(logical) == 0 {
			logical = append(logical, report.SARIFLogicalLocation{Name: "(no account)", Kind: "namespace"})
		}
		msg := f.Detail
		if f.User != "" {
			msg = f.AccountID + " " + f.User + ": " + msg
		}
		r := report.SARIFResult{
			RuleID: f.Rule, Level: severityLevel(f.Severity), Message: msg,
			Locations:           []report.SARIFLocation{{Logical: logical}},
			PartialFingerprints: map[string]string{"keyauditFinding/v1": fingerprint(f.Rule, f.AccountID, f.User, fmt.Sprint(f.KeySlot), f.AccessKeyID)},
			Properties:          map[string]any{"severity": f.Severity.String()},
		}
		if f.Muted {
			r.Suppressed = "muted by --ignore: " + f.MuteReason
		}
		out = append(out, r)
	}
	return out
}

// fingerprint is a short stable hash of parts.
func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:12])
}
