package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/report"
	"github.com/keyaudit/keyaudit/report/htmlreport"
)

// auditResult is what an audit found, for the reports that need more
// than the findings record (-f html).
type auditResult struct {
	paths    []string
	cfg      analyze.Config
	res      *ingest.Result
	inv      *inventory.Inventory
	sess     *sessions.Result
	findings []analyze.Finding
	sups     []analyze.Suppression
	supStats analyze.SuppressionStats
}

// htmlReport fills the HTML report's input. It reads every input file
// again to hash it: only -f html pays for that.
func htmlReport(a auditResult) *htmlreport.Report {
	cfg := a.cfg
	r := &htmlreport.Report{
		Version:         buildVersion(),
		AsOf:            cfg.AsOf,
		MaxKeyAgeDays:   int64(cfg.MaxKeyAge / analyze.Day),
		MaxUnusedDays:   int64(cfg.MaxUnused / analyze.Day),
		MaxRotationDays: int64(cfg.MaxRotation / analyze.Day),
		Accounts:        slices.Clone(a.inv.Accounts),
		InputErrors:     a.res.ErrorCount(),
	}
	slices.Sort(r.Accounts)
	ingest.VisitFiles(a.paths, func(path string, fi fs.FileInfo) {
		in := htmlreport.Input{Path: path, Size: fi.Size()}
		in.SHA256, in.Err = hashFile(path)
		r.Inputs = append(r.Inputs, in)
	})
	if slices.Contains(a.paths, "-") {
		r.Inputs = append(r.Inputs, htmlreport.Input{Path: "-", Err: "standard input, not kept"})
	}
	for _, k := range sortedKinds(a.res) {
		c := a.res.Stats[k]
		if c.Files == 0 && c.Records == 0 {
			continue
		}
		r.Accounting = append(r.Accounting, htmlreport.Accounting{Kind: string(k), Files: c.Files, FilesSkipped: c.FilesSkipped,
			FilesFailed: c.FilesFailed, Records: c.Records, Used: c.Used, Skipped: c.Skipped, Rejected: c.Rejected, Duplicate: c.Duplicate})
	}
	status := map[int]htmlreport.Suppression{}
	for _, list := range []struct {
		uses   []analyze.SuppressionUse
		status string
	}{{a.supStats.Used, "in force"}, {a.supStats.Unused, "matched nothing"}, {a.supStats.Expired, "expired"}} {
		for _, u := range list.uses {
			status[u.Index] = htmlreport.Suppression{Status: list.status, Matched: u.Matched}
		}
	}
	for _, s := range a.sups {
		hs := status[s.Index]
		hs.Where, hs.Rule, hs.Account, hs.User, hs.Key, hs.Reason = s.Where(), s.Rule, s.Account, s.User, s.Key, s.Reason
		if !s.Expires.IsZero() {
			hs.Expires = s.Expires.UTC().Format("2006-01-02")
		}
		if hs.Status == "expired" {
			hs.Matched = 0 // an expired suppression mutes nothing
		}
		r.Suppressions = append(r.Suppressions, hs)
	}

	noReports := len(a.res.Reports) == 0
	reportRules := map[string]bool{}
	for _, id := range analyze.RuleIDs() {
		reportRules[id] = true
	}
	for _, info := range append(analyze.RuleInfos(), inventory.RuleInfos()...) {
		rem, _ := analyze.RemediationFor(info.ID)
		ran := !cfg.Skip[info.ID] && !(noReports && reportRules[info.ID]) && !(!reportRules[info.ID] && a.inv.Events == 0)
		r.Rules = append(r.Rules, htmlreport.Rule{ID: info.ID, Severity: info.Severity, Description: info.Description,
			CIS: info.CIS, SecurityHub: info.SecurityHub, Remediation: rem.Text, URL: rem.URL, Ran: ran})
	}
	for _, f := range a.findings {
		r.Findings = append(r.Findings, htmlreport.Finding{Rule: f.Rule, Severity: f.Severity.String(), AccountID: f.AccountID,
			User: f.User, ARN: f.ARN, KeySlot: f.KeySlot, AccessKeyID: f.AccessKeyID, KeyStatus: f.KeyStatus,
			LastRotated: f.LastRotated, LastUsed: f.LastUsed, AgeDays: f.AgeDays, Detail: f.Detail, Muted: f.Muted, MuteReason: f.MuteReason})
	}
	for _, k := range a.inv.Keys {
		age, ok := analyze.DaysSince(cfg.AsOf, k.Created)
		if !ok {
			age = -1
		}
		unused, ok := analyze.DaysSince(cfg.AsOf, k.LastUsed)
		if !ok {
			unused = -1
		}
		r.Keys = append(r.Keys, htmlreport.Key{AccountID: k.AccountID, User: k.User, AccessKeyID: k.AccessKeyID, Slot: k.SlotString(),
			Status: k.Status, Created: k.Created, LastUsed: k.LastUsed, AgeDays: age, UnusedDays: unused, IsRoot: k.IsRoot,
			Source: k.Source, Note: k.Note})
	}
	for _, rep := range a.res.Reports {
		for _, row := range rep.Rows {
			u := htmlreport.User{AccountID: row.AccountID, User: row.User, IsRoot: row.IsRoot}
			if u.AccountID == "" {
				u.AccountID = rep.AccountID
			}
			for _, k := range row.Keys {
				if k.Exists {
					u.Keys++
					if k.Active {
						u.Active++
					}
				}
			}
			r.Users = append(r.Users, u)
		}
	}
	if a.sess != nil {
		counts := map[sessions.RootKind]int{}
		for _, s := range a.sess.Sessions {
			counts[s.RootKind]++
		}
		for _, k := range []sessions.RootKind{sessions.KindIAMUser, sessions.KindRoot, sessions.KindSAML, sessions.KindWebIdentity,
			sessions.KindAWSService, sessions.KindConsole, sessions.KindUnattributed} {
			if counts[k] > 0 {
				r.Sessions = append(r.Sessions, htmlreport.KindCount{Kind: string(k), Count: counts[k]})
			}
		}
	}
	return r
}

// hashFile returns the hex SHA-256 of the file, or why it could not be read.
func hashFile(path string) (sum, problem string) {
	f, err := os.Open(path)
	if err != nil {
		return "", err.Error()
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err.Error()
	}
	return hex.EncodeToString(h.Sum(nil)), ""
}

// writeHTML writes the audit as one HTML document to stdout or -o.
func writeHTML(e *env, out *outputFlags, inputs *report.InputSet, a auditResult) error {
	r := htmlReport(a)
	return writeText(e, out.output, inputs, func(w io.Writer) error { return htmlreport.Write(w, r) })
}
