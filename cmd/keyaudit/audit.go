package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/ocsf"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/report"
)

type auditOptions struct {
	in        inputFlags
	out       outputFlags
	asOf      string
	skipRules []string
	ignore    string
	failOn    string
	baseline  string
	failOnNew string
	cfg       analyze.Config
	verify    auditVerify // --verify and its flags (audit_verify.go)
	asff      asffFlags
}

// sinkFunc adapts an Add(rec) method to ingest.EventSink.
type sinkFunc func(arrow.Record) error

func (f sinkFunc) Events(rec arrow.Record) error { return f(rec) }

func newAuditCmd(e *env) *cobra.Command {
	o := &auditOptions{cfg: analyze.DefaultConfig(timeZero())}
	c := &cobra.Command{
		Use:   "audit [flags] PATH...",
		Short: "Find stale, unused, root-owned and over-quota access keys",
		Long: `audit reads credential reports (and CloudTrail, when given) and reports findings:

` + rulesHelp() + `
Ages are exact durations against --as-of. A never-used key counts as unused from its
last rotation. Inactive keys get no stale/unused finding.

` + tableHelp(auditTable) + `

` + exitCodesHelp,
		Example: `  keyaudit audit --as-of 2026-11-01 reports/
  keyaudit audit -f csv -o findings.csv reports/*.csv
  keyaudit audit -f parquet -o findings.parquet reports/ AWSLogs/
  keyaudit audit --fail-on high --ignore suppressions.json reports/
  keyaudit audit -f json -o today.json --baseline yesterday.json --fail-on-new high reports/ AWSLogs/
  keyaudit audit -f asff --asff-region eu-west-1 -o asff/ reports/ AWSLogs/
  keyaudit audit --as-of 2026-11-01 -o report.html reports/ AWSLogs/
  keyaudit audit -o findings.sarif reports/ AWSLogs/   # SARIF 2.1.0: a logical location per account, user, key`,
		RunE: func(c *cobra.Command, args []string) error { return runAudit(c, e, o, args) },
	}
	o.in.register(c)
	o.in.fx.register(c)
	o.out.findings = true // -f asff, html, ocsf
	o.out.sarif = true
	o.out.register(c, "table")
	o.verify.register(c)
	o.asff.register(c)
	fs := c.Flags()
	fs.StringVar(&o.asOf, "as-of", "", "compute every age against this time: YYYY-MM-DD (midnight UTC) or RFC 3339 (default: now)")
	fs.Var(daysValue{&o.cfg.MaxKeyAge}, "max-key-age", "stale-key: flag active keys last rotated more than this long ago (CIS 1.14)")
	fs.Var(daysValue{&o.cfg.MaxUnused}, "max-unused", "unused-key: flag active keys not used for more than this long (CIS 1.12)")
	fs.Var(daysValue{&o.cfg.MaxRotation}, "max-rotation", "rotation-stalled: flag users whose two keys stay active longer than this")
	fs.StringSliceVar(&o.skipRules, "skip-rule", nil, "switch a rule off (repeatable or comma-separated)")
	fs.StringVar(&o.ignore, "ignore", "", "mute findings listed in suppression `FILE` (see README: Suppressions); muted findings stay listed, the table marks their severity \"(muted)\"")
	fs.StringVar(&o.failOn, "fail-on", "", "exit 1 when an unmuted finding has at least this `SEVERITY` (info, low, medium, high, critical)")
	fs.StringVar(&o.baseline, "baseline", "", "compare with a previous run's findings in `FILE` (its -f json, ndjson or parquet output): adds the columns status (new, unchanged, resolved) and first_seen, and lists resolved findings")
	fs.StringVar(&o.failOnNew, "fail-on-new", "", "with --baseline: exit 1 when a new unmuted finding has at least this `SEVERITY`")
	return c
}

func runAudit(c *cobra.Command, e *env, o *auditOptions, paths []string) error {
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return err
	}
	cfg := o.cfg
	cfg.AsOf = asOf
	cfg.Skip = map[string]bool{}
	known := allRuleIDs()
	for _, r := range o.skipRules {
		if !contains(known, r) {
			return usageErr("--skip-rule %q: unknown rule; rules are %s", r, strings.Join(known, ", "))
		}
		cfg.Skip[r] = true
	}
	var failOn analyze.Severity
	if o.failOn != "" {
		if failOn, err = analyze.ParseSeverity(o.failOn); err != nil {
			return usageErr("--fail-on: %v", err)
		}
	}
	var failOnNew analyze.Severity
	if o.failOnNew != "" {
		if o.baseline == "" {
			return usageErr("--fail-on-new needs --baseline FILE: new is relative to a previous run")
		}
		if failOnNew, err = analyze.ParseSeverity(o.failOnNew); err != nil {
			return usageErr("--fail-on-new: %v", err)
		}
	}
	if err := o.out.check(e); err != nil {
		return err
	}
	if err := o.asff.check(o.out.format); err != nil {
		return err
	}
	if err := o.verify.check(e, &o.in, paths); err != nil {
		return err
	}
	inputs := append(slices.Clone(paths), o.verify.inputs()...)
	if o.baseline != "" {
		inputs = append(inputs, o.baseline)
	}
	if err := o.in.protect(inputs, o.out.output, o.verify.output); err != nil {
		return err
	}
	o.in.hashFiles = o.verify.hashFiles()
	mem := memory.DefaultAllocator
	var base []analyze.Finding
	if o.baseline != "" {
		if base, err = loadBaseline(mem, o.baseline); err != nil {
			return err
		}
	}
	var sups []analyze.Suppression
	if o.ignore != "" {
		f, err := os.Open(o.ignore)
		if err != nil {
			return usageErr("--ignore: %v", err)
		}
		sups, err = analyze.LoadSuppressions(o.ignore, f)
		f.Close()
		if err == nil {
			err = analyze.CheckSuppressionRules(sups, known)
		}
		if err != nil {
			return usageErr("--ignore: %v", err)
		}
	}

	inv := inventory.New()
	sess := sessions.New()
	res, err := readFacts(c.Context(), e, &o.in, mem, paths, stage2Columns, []facts.ViewSink{inv, sess})
	if err != nil {
		return err
	}
	warnPartialCollections(e.stderr, paths)
	ev, err := o.verify.run(c.Context(), e, o.in.guard, paths, res)
	if err != nil {
		return err
	}
	if len(res.Reports) == 0 && inv.Events() == 0 {
		return &exitError{code: exitUsage, err: fmt.Errorf("no credential report or CloudTrail event found in %s: nothing to audit", strings.Join(paths, " "))}
	}

	ki := finishInventory(inv, res)
	findings := allFindings(cfg, mem, res.Reports, ki)
	supStats := analyze.ApplySuppressions(cfg, findings, sups)
	sr := sess.Finish()

	rec, schema, topts := analyze.FindingsRecord(mem, findings), analyze.FindingSchema, auditTable
	var counts *analyze.BaselineCounts
	if o.baseline != "" {
		var c analyze.BaselineCounts
		findings, c = analyze.CompareBaseline(findings, base, cfg.AsOf)
		rec.Release()
		rec, schema, topts, counts = analyze.FindingsBaselineRecord(mem, findings), analyze.FindingBaselineSchema, auditBaselineTable, &c
	}
	rec, schema = ev.withEvidence(mem, rec, schema, findings)
	defer rec.Release()
	topts = ev.table(topts)
	topts.Color = e.colorTable(o.out.output)
	if o.out.format == report.FormatOCSF {
		if topts.Events, err = ocsf.NewMapper(schema, ocsf.Options{ProductVersion: productVersion(), AsOf: cfg.AsOf, Rules: allRuleInfos()}); err != nil {
			return err
		}
	}
	topts.ASFF = o.asff.options(cfg.AsOf)
	switch {
	case o.out.format == report.FormatSARIF:
		err = writeSARIF(e, o.out.output, o.in.guard, auditSARIFTool(), findingsSARIF(findings))
	case o.out.format == report.FormatHTML:
		err = writeHTML(e, &o.out, o.in.guard, auditResult{paths, cfg, res, ki, sr, findings, sups, supStats})
	case o.out.format == report.FormatASFF && asffDir(o.out.output):
		err = writeASFFDir(e, o.out.output, o.in.guard, rec, topts)
	default:
		err = writeOutput(e, &o.out, o.in.guard, schema, []arrow.Record{rec}, topts)
	}
	if err != nil {
		return err
	}
	// The summary goes under the table, or to stderr when stdout carries data.
	var sw io.Writer = e.stderr
	if o.out.format == "table" && (o.out.output == "" || o.out.output == "-") {
		sw = e.stdout
	}
	if !o.in.quiet || sw == e.stdout {
		printAuditSummary(sw, res.Reports, len(ki.Accounts), findings, supStats, sr, cfg)
		if counts != nil {
			fmt.Fprintf(sw, "baseline: %d new, %d unchanged, %d resolved (compared with %s)\n", counts.New, counts.Unchanged, counts.Resolved, o.baseline)
		}
		ev.writeSummary(sw)
	}
	for _, u := range supStats.Expired {
		fmt.Fprintf(e.stderr, "keyaudit: suppression %s expired on %s and no longer mutes (%s)\n",
			u.Where(), u.Expires.UTC().Format("2006-01-02"), plural(int64(u.Matched), "finding"))
	}
	for _, u := range supStats.Unused {
		fmt.Fprintf(e.stderr, "keyaudit: suppression %s matched no finding\n", u.Where())
	}
	if o.verify.tampered(ev) {
		return &exitError{code: exitFindings}
	}
	for _, f := range findings {
		switch {
		case f.Muted || f.Status == analyze.StatusResolved:
		case o.failOn != "" && f.Severity >= failOn:
			return &exitError{code: exitFindings}
		case o.failOnNew != "" && f.Status == analyze.StatusNew && f.Severity >= failOnNew:
			return &exitError{code: exitFindings}
		}
	}
	return nil
}

// printAuditSummary prints the findings by severity and what was scanned.
// accounts counts every input account (with a credential report or seen
// as a CloudTrail recipient), the number the rules' details use too.
func printAuditSummary(w io.Writer, reps []*credreport.Report, accounts int, fs []analyze.Finding, ss analyze.SuppressionStats, sr *sessions.Result, cfg analyze.Config) {
	users, keys := 0, 0
	for _, r := range reps {
		users += len(r.Rows)
		for _, row := range r.Rows {
			for _, k := range row.Keys {
				if k.Exists {
					keys++
				}
			}
		}
	}
	bySev := map[analyze.Severity]int{}
	muted := 0
	for _, f := range fs {
		if f.Status == analyze.StatusResolved {
			continue // not found this run
		}
		if f.Muted {
			muted++
			continue
		}
		bySev[f.Severity]++
	}
	parts := []string{}
	for s := analyze.Critical; s >= analyze.Info; s-- {
		if n := bySev[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "none")
	}
	fmt.Fprintf(w, "\nfindings: %s", strings.Join(parts, ", "))
	if muted > 0 {
		fmt.Fprintf(w, " (+%d muted by suppressions)", muted)
	}
	fmt.Fprintf(w, "\nscanned: %s (%d with a credential report), %s, %s (as of %s)\n",
		plural(int64(accounts), "account"), len(reps), plural(int64(users), "user"), plural(int64(keys), "key"),
		cfg.AsOf.Format("2006-01-02T15:04:05Z07:00"))
	if len(reps) == 0 {
		fmt.Fprintf(w, "note: no credential report was given, so the report-based rules did not run (%s)\n",
			strings.Join(analyze.RuleIDs(), ", "))
	}
	if sr != nil && sr.Unattributed.Count > 0 {
		fmt.Fprintf(w, "info: asia-unattributed: %s\n", sr.Unattributed.String())
	}
}

func timeZero() time.Time { return time.Time{} }

// allFindings runs the credential-report rules and the CloudTrail ones,
// fills in the key IDs the inventory resolved, and sorts.
func allFindings(cfg analyze.Config, mem memory.Allocator, reports []*credreport.Report, ki *inventory.Inventory) []analyze.Finding {
	keys := credreport.BuildKeyRecord(mem, reports)
	defer keys.Release()
	findings := analyze.Evaluate(cfg, []arrow.Record{keys})
	findings = append(findings, ki.Findings(cfg)...)
	analyze.SetAccessKeyIDs(findings, ki.SlotKeyID)
	analyze.SortFindings(findings)
	return findings
}
