package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/triage"
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

// triageRules are the SARIF rules of triage: one per verdict.
var triageRules = []report.SARIFRule{
	{ID: string(triage.RotateNow), ShortDescription: "Leaked AWS access key is active in your account",
		Help:         "The key ID leaked and the key is live in one of your accounts. Long-term key: create a new key for its user, move the applications to it, deactivate the leaked key, check nothing breaks, delete it (a root key: delete it). Temporary key: revoke the role's active sessions (IAM console, Revoke active sessions) and find its issuer (keyaudit trace KEY). Then review what the key did since the leak.",
		DefaultLevel: report.LevelError, SecuritySeverity: "9.5"},
	{ID: string(triage.CheckUse), ShortDescription: "Leaked AWS access key was used after the leak",
		Help:         "The key is inactive, deleted or expired, but it was used after the leak was committed (or that cannot be ruled out). Review those calls (keyaudit trace KEY) for what was done with it, then delete an inactive key; for a temporary key find its issuer.",
		DefaultLevel: report.LevelWarning, SecuritySeverity: "7.0"},
	{ID: string(triage.Unknown), ShortDescription: "Leaked AWS access key that keyaudit cannot place",
		Help:         "The key's account or the key itself is not known: a legacy or redacted key ID, no inputs, or a key of your account that the inputs never name. Look it up (aws sts get-access-key-info, aws iam get-access-key-last-used) and rotate it if it is live.",
		DefaultLevel: report.LevelNote, SecuritySeverity: "5.0"},
	{ID: string(triage.Contained), ShortDescription: "Leaked AWS access key, inactive and unused since the leak",
		Help:         "The key is yours but inactive, deleted or expired, and was not used after the leak. Delete an inactive key; find how it leaked.",
		DefaultLevel: report.LevelNote, SecuritySeverity: "3.0"},
	{ID: string(triage.NotOurs), ShortDescription: "Leaked AWS access key of another account",
		Help:         "The key ID decodes to an account outside the inputs: tell its owner. If the account is yours, give its credential report and trail to keyaudit triage.",
		DefaultLevel: report.LevelNote, SecuritySeverity: "2.0"},
}

func triageSARIFTool() report.SARIFTool {
	rules := make([]report.SARIFRule, len(triageRules))
	for i, r := range triageRules {
		r.Tags = []string{"security", "secret", "aws-iam"}
		r.HelpURI = projectURI + "#triage-leaked-key-ids-keyaudit-triage"
		rules[i] = r
	}
	return report.SARIFTool{Name: "keyaudit", Version: sarifVersion(), InformationURI: projectURI, Rules: rules}
}

// triageSARIF writes a result on every place a key leaked (the scanner's
// file and line), with the key's verdict as rule and level; a key named
// by no file (an ID list) gets one result at logical locations, its
// account and its ID. The fingerprint hashes the key, file and line.
func triageSARIF(rows []triage.Row) []report.SARIFResult {
	var out []report.SARIFResult
	for _, r := range rows {
		level := report.LevelNote
		switch r.Verdict {
		case triage.RotateNow:
			level = report.LevelError
		case triage.CheckUse:
			level = report.LevelWarning
		}
		what := r.AccessKeyID
		if r.Partial {
			what += "… (redacted)"
		}
		facts := []string{}
		if r.AccountID != "" {
			facts = append(facts, "account "+r.AccountID)
		} else {
			facts = append(facts, "account "+r.AccountNote)
		}
		facts = append(facts, "ours: "+r.Ours)
		if r.Owner != "" {
			facts = append(facts, "owner "+r.Owner)
		}
		facts = append(facts, "status "+r.Status)
		msg := fmt.Sprintf("Leaked AWS key %s (%s): %s. Next: %s", what, strings.Join(facts, ", "), r.Verdict, r.NextStep)
		props := map[string]any{"verdict": string(r.Verdict), "ours": r.Ours, "status": r.Status}
		seen := map[string]bool{}
		for _, l := range r.Leaks {
			if l.File == "" {
				continue
			}
			key := fmt.Sprintf("%s\x00%d", l.File, l.Line)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, report.SARIFResult{
				RuleID: string(r.Verdict), Level: level, Message: msg,
				Locations:           []report.SARIFLocation{{URI: sarifURI(l.File), StartLine: l.Line}},
				PartialFingerprints: map[string]string{"keyauditLeak/v1": fingerprint(r.AccessKeyID, l.File, fmt.Sprint(l.Line))},
				Properties:          props,
			})
		}
		if len(seen) == 0 {
			logical := []report.SARIFLogicalLocation{{Name: r.AccessKeyID, Kind: "resource"}}
			if r.AccountID != "" {
				logical = append([]report.SARIFLogicalLocation{{Name: r.AccountID, FullyQualifiedName: "aws:" + r.AccountID, Kind: "namespace"}}, logical...)
			}
			out = append(out, report.SARIFResult{
				RuleID: string(r.Verdict), Level: level, Message: msg,
				Locations:           []report.SARIFLocation{{Logical: logical}},
				PartialFingerprints: map[string]string{"keyauditLeak/v1": fingerprint(r.AccessKeyID)},
				Properties:          props,
			})
		}
	}
	return out
}

// sarifURI turns a scanner's path into a SARIF URI reference: forward
// slashes, "./" dropped, spaces and other characters a URI cannot hold
// escaped.
func sarifURI(p string) string {
	p = strings.TrimPrefix(strings.ReplaceAll(p, `\`, "/"), "./")
	return (&url.URL{Path: p}).EscapedPath()
}
