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

	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/analyze/triage"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/internal/termtext"
	"github.com/keyaudit/keyaudit/report"
)

type triageOptions struct {
	in      inputFlags
	out     outputFlags
	asOf    string
	reports []string
	failOn  string
}

func newTriageCmd(e *env) *cobra.Command {
	o := &triageOptions{}
	c := &cobra.Command{
		Use:   "triage --report FILE [--report FILE]... [flags] [PATH...]",
		Short: "Triage key IDs found by secret scanners: whose they are, whether they are live, what to do",
		Long: `triage reads the reports of secret scanners (--report, repeatable; - is stdin) and
joins every access key ID in them, offline, with what the PATHs (credential reports
and CloudTrail, as for audit) say of it: one row per key ID with all its locations.

Reports are recognised from their content: gitleaks JSON (findings of rule
aws-access-token) or SARIF, trufflehog --json lines (the AWS detectors), any
other tool's SARIF (key IDs in the region snippets), or any text (every key ID
in it). Only key IDs and locations are read: secrets (gitleaks Match, trufflehog
RawV2, the findings of every other rule) are dropped unread and never written.
A redacted ID (gitleaks --redact) keeps its visible start: 13 characters decode
the account; the row is marked partial.

Each row: the key type and account (decoded offline, the same answer as
'aws sts get-access-key-info'); ours (the account is one of the inputs'); the
owner and how it is known; status, creation and use; for ASIA keys the principal
behind the chain and the expiry; GetCallerIdentity calls (a scanner or an attacker
checking the key); use after the leak's commit date (when the report gives one);
and a verdict, with the next step:

  rotate-now  ours and active (a temporary key: not expired as of --as-of)
  check-use   ours, inactive, deleted or expired, but used after the leak (or
              that cannot be ruled out: no leak date, no CloudTrail)
  unknown     the account or key cannot be placed: legacy or redacted ID, no
              PATHs, or a key of your account the inputs never name
  contained   ours, inactive, deleted or expired and not used after the leak
  not-ours    the ID decodes to an account outside the inputs

-f sarif (or -o FILE.sarif) writes SARIF 2.1.0 for GitHub code scanning: a result
on each line that leaked, with the verdict as its rule.

` + tableHelp(triageTable) + `

` + exitCodesHelp,
		Example: `  gitleaks detect --report-format json --report-path leaks.json
  keyaudit triage --as-of 2026-11-01 --report leaks.json reports/ AWSLogs/
  trufflehog git file://. --json | keyaudit triage --report - reports/ AWSLogs/
  keyaudit triage --report leaks.json -o triage.sarif --fail-on check-use reports/ AWSLogs/`,
		RunE: func(c *cobra.Command, args []string) error { return runTriage(c, e, o, args) },
	}
	o.in.register(c)
	o.out.sarif = true
	o.out.register(c, "table")
	fs := c.Flags()
	registerAsOf(c, &o.asOf)
	fs.StringArrayVar(&o.reports, "report", nil, "a secret scanner's report `FILE` (gitleaks JSON or SARIF, trufflehog --json, SARIF, a list of key IDs); repeatable; - reads stdin")
	fs.StringVar(&o.failOn, "fail-on", "", "exit 1 when a key's verdict is at least `VERDICT` (rotate-now, check-use, unknown, contained, not-ours: most urgent first)")
	return c
}

func runTriage(c *cobra.Command, e *env, o *triageOptions, paths []string) error {
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return err
	}
	var failOn triage.Verdict
	if o.failOn != "" {
		if failOn, err = triage.ParseVerdict(o.failOn); err != nil {
			return usageErr("--fail-on: %v", err)
		}
	}
	if len(o.reports) == 0 {
		return usageErr("no --report given: name a secret scanner's report (gitleaks, trufflehog, SARIF, a list of key IDs), or - for stdin")
	}
	stdin := 0
	for _, r := range append(append([]string(nil), o.reports...), paths...) {
		if r == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageErr("- (stdin) given more than once: as a --report and a PATH, or twice")
	}
	if err := o.out.check(e); err != nil {
		return err
	}
	// The reports are inputs too: no output may overwrite them.
	inputs := slices.Clone(paths)
	for _, r := range o.reports {
		if r != "-" {
			inputs = append(inputs, r)
		}
	}
	if err := o.in.protect(inputs, o.out.output); err != nil {
		return err
	}
	reps, err := readScannerReports(e, o.reports)
	if err != nil {
		return err
	}

	in := triage.Input{AsOf: asOf}
	if len(paths) > 0 {
		mem := memory.DefaultAllocator
		inv, sb := inventory.New(), sessions.New()
		act := inventory.NewActivity(triage.LeakedKeyIDs(reps))
		for id, at := range triage.Leaked(reps) {
			act.Since(id, at)
		}
		res, err := readFacts(c.Context(), e, &o.in, mem, paths, stage2Columns, []facts.ViewSink{inv, sb}, reads(inventory.Columns(), act.Add))
		if err != nil {
			return err
		}
		in.Inventory, in.Sessions, in.Activity = finishInventory(inv, res), sb.Finish(), act
	}
	if !o.in.quiet {
		printReportSummary(e.stderr, reps)
	}
	rows := triage.Triage(in, reps)

	if o.out.format == report.FormatSARIF {
		err = writeSARIF(e, o.out.output, o.in.guard, triageSARIFTool(), triageSARIF(rows))
	} else {
		rec := triage.Record(memory.DefaultAllocator, rows)
		defer rec.Release()
		topts := triageTable
		topts.Color = e.colorTable(o.out.output)
		err = writeOutput(e, &o.out, o.in.guard, triage.Schema, []arrow.Record{rec}, topts)
	}
	if err != nil {
		return err
	}
	var sw io.Writer = e.stderr
	if o.out.format == report.FormatTable && (o.out.output == "" || o.out.output == "-") {
		sw = e.stdout
	}
	if !o.in.quiet || sw == e.stdout {
		printTriageSummary(sw, rows, in, asOf)
	}
	if o.failOn != "" {
		for _, r := range rows {
			if r.Verdict.Rank() >= failOn.Rank() {
				return &exitError{code: exitFindings}
			}
		}
	}
	return nil
}

// readScannerReports parses every --report, stdin for "-". A report that
// cannot be read is a usage error: the run would otherwise miss its keys.
func readScannerReports(e *env, names []string) ([]*triage.Report, error) {
	var reps []*triage.Report
	for _, name := range names {
		var r io.Reader = e.stdin
		label := "stdin"
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, usageErr("--report: %v", err)
			}
			defer f.Close()
			r, label = f, name
		}
		rep, err := triage.ParseReport(label, r, 0)
		if err != nil {
			return nil, usageErr("--report: %v", err)
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

func printReportSummary(w io.Writer, reps []*triage.Report) {
	for _, r := range reps {
		ids := map[string]bool{}
		for _, l := range r.Leaks {
			ids[l.KeyID] = true
		}
		line := fmt.Sprintf("report: %s (%s): %s, %s", termtext.Escape(r.Name), r.Format,
			plural(int64(len(r.Leaks)), "finding"), plural(int64(len(ids)), "key ID"))
		if r.Ignored > 0 {
			line += fmt.Sprintf("; %d of other rules or detectors ignored (they hold secrets, never read)", r.Ignored)
		}
		if r.Redacted > 0 {
			line += fmt.Sprintf("; %d redacted entirely (rerun the scanner with --redact=30 or less to triage them)", r.Redacted)
		}
		fmt.Fprintln(w, line)
	}
}

func printTriageSummary(w io.Writer, rows []triage.Row, in triage.Input, asOf time.Time) {
	by := map[triage.Verdict]int{}
	for _, r := range rows {
		by[r.Verdict]++
	}
	var parts []string
	for _, v := range triage.Verdicts() {
		if n := by[v]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, v))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no key ID found")
	}
	accounts := 0
	if in.Inventory != nil {
		accounts = len(in.Inventory.Accounts)
	}
	fmt.Fprintf(w, "\ntriage: %s (%s, as of %s; %s in the inputs)\n", strings.Join(parts, ", "),
		plural(int64(len(rows)), "key ID"), asOf.Format("2006-01-02T15:04:05Z07:00"), plural(int64(accounts), "account"))
	if in.Inventory == nil {
		fmt.Fprintln(w, "note: no PATH was given, so no key could be placed: add credential reports and CloudTrail to tell yours from others'")
	}
}
