package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/collect"
)

type collectOptions struct {
	out           string
	org           bool
	accounts      []string
	roleName      string
	externalID    string
	regions       []string
	since, until  string
	trailBucket   string
	trailPrefix   string
	s3Workers     int
	reportTimeout time.Duration
	allowPartial  bool
	dryRun        bool
	quiet         bool
}

func newCollectCmd(e *env) *cobra.Command {
	o := &collectOptions{}
	c := &cobra.Command{
		Use:   "collect --out DIR [flags]",
		Short: "Fetch credential reports and CloudTrail from AWS into a folder the other commands read",
		Long: `collect fetches, once, what the other commands read offline: the IAM credential
report of each account (generated and polled until ready) and the CloudTrail
logs of a window, from the trail's S3 bucket (with digests, their signatures and
CloudTrail's public keys) or, without --trail-bucket, from LookupEvents
(management events of the last 90 days, 2 requests a second per account and
region). Run it again to fetch only what is new.

Credentials come from the AWS SDK's default chain (environment, AWS_PROFILE,
SSO, instance role); endpoints from its own settings (AWS_ENDPOINT_URL,
AWS_ENDPOINT_URL_IAM, ...). With --org or --accounts, every account but the
caller's own is read through sts:AssumeRole of --role-name; the temporary
credentials stay in memory and are never written.

DIR gets credential-reports/ACCOUNT.json, s3/BUCKET/KEY, lookup-events/
ACCOUNT/REGION/DAY.json and collect-manifest.json, which says what was read and
how each account and region went. Files are 0600, folders 0700, each written
under a temporary name and renamed when complete.

Exit codes:
  0    collected everything (or --allow-partial)
  2    usage error, or nothing could be collected (no credentials, organization not listable)
  3    partial: an account, report or region failed (denied, timeout, error); see the manifest
  130  interrupted: partial files removed, no manifest written`,
		Example: `  keyaudit collect --out inputs/
  keyaudit collect --org --out inputs/ --trail-bucket org-trail-logs --since 2026-08-01
  keyaudit collect --accounts 111122223333,444455556666 --role-name AuditRead --external-id abc --out inputs/
  keyaudit collect --org --out inputs/ --dry-run
  keyaudit audit --as-of 2026-11-01 inputs/`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return runCollect(c, e, o) },
	}
	fs := c.Flags()
	fs.StringVar(&o.out, "out", "", "write into folder `DIR` (created 0700 when missing); required")
	fs.BoolVar(&o.org, "org", false, "read every ACTIVE account of the organization (run from the management account or a delegated administrator)")
	fs.StringSliceVar(&o.accounts, "accounts", nil, "read these account IDs (comma-separated); default: the caller's account only")
	fs.StringVar(&o.roleName, "role-name", collect.DefaultRoleName, "role assumed in each account but the caller's own")
	fs.StringVar(&o.externalID, "external-id", "", "sts:ExternalId for AssumeRole, when the role's trust policy asks for one")
	fs.StringSliceVar(&o.regions, "regions", nil, "CloudTrail regions (comma-separated); default: the "+fmt.Sprint(len(collect.DefaultRegions))+" commercial regions enabled by default; opt-in regions that are not enabled are skipped with a note")
	fs.StringVar(&o.since, "since", "", "CloudTrail window start: YYYY-MM-DD (midnight UTC) or RFC 3339 (default: 90 days before --until)")
	fs.StringVar(&o.until, "until", "", "CloudTrail window end, exclusive: YYYY-MM-DD (midnight UTC) or RFC 3339 (default: now)")
	fs.StringVar(&o.trailBucket, "trail-bucket", "", "S3 bucket the trail delivers to; without it, CloudTrail is read with LookupEvents")
	fs.StringVar(&o.trailPrefix, "trail-prefix", "", "the trail's S3 key prefix (the part before AWSLogs/)")
	fs.IntVar(&o.s3Workers, "s3-workers", collect.DefaultS3Workers, "parallel S3 downloads")
	fs.DurationVar(&o.reportTimeout, "report-timeout", collect.DefaultReportTimeout, "give up on an account's credential report after this long")
	fs.BoolVar(&o.allowPartial, "allow-partial", false, "exit 0 even when some accounts or regions could not be collected")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan (accounts, regions, prefixes, API calls) and stop; lists the organization but assumes, generates and writes nothing")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print nothing but errors and the final partial warning")
	return c
}

// parseWindowTime parses --since/--until: YYYY-MM-DD (midnight UTC) or RFC 3339.
func parseWindowTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageErr("bad --%s %q: use YYYY-MM-DD (midnight UTC) or RFC 3339 such as 2026-11-01T12:00:00Z", flag, s)
	}
	return t.UTC(), nil
}

func runCollect(c *cobra.Command, e *env, o *collectOptions) error {
	if o.out == "" {
		return usageErr("--out DIR is required: the folder to collect into")
	}
	if o.org && len(o.accounts) > 0 {
		return usageErr("give --org or --accounts, not both")
	}
	if o.trailPrefix != "" && o.trailBucket == "" {
		return usageErr("--trail-prefix needs --trail-bucket")
	}
	since, err := parseWindowTime("since", o.since)
	if err != nil {
		return err
	}
	until, err := parseWindowTime("until", o.until)
	if err != nil {
		return err
	}
	if o.s3Workers < 1 {
		return usageErr("--s3-workers must be at least 1")
	}
	if o.reportTimeout <= 0 {
		return usageErr("--report-timeout must be positive")
	}
	for i, r := range o.regions {
		o.regions[i] = strings.TrimSpace(r)
	}
	if !o.dryRun {
		if fi, err := os.Stat(o.out); err == nil && !fi.IsDir() {
			return usageErr("--out %s is not a directory", o.out)
		} else if err != nil {
			if err := checkOutputDir(filepath.Dir(filepath.Clean(o.out))); err != nil {
				return err
			}
		} else if err := checkOutputDir(o.out); err != nil {
			return err
		}
	}
	ctx := c.Context()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return usageErr("AWS configuration: %v", err)
	}
	var log io.Writer = e.stderr
	var bar *collectBar
	switch {
	case o.quiet:
		log = io.Discard
	case e.stderrTTY:
		bar = &collectBar{w: e.stderr, start: time.Now()}
		log = bar
	}
	opts := collect.Options{
		Out: o.out, Config: cfg,
		Org: o.org, Accounts: o.accounts, RoleName: o.roleName, ExternalID: o.externalID,
		Regions: o.regions, Since: since, Until: until,
		TrailBucket: o.trailBucket, TrailPrefix: o.trailPrefix,
		S3Workers: o.s3Workers, ReportTimeout: o.reportTimeout,
		Version: buildVersion(), Log: log,
	}
	if bar != nil {
		opts.Progress = bar.update
	}
	if o.dryRun {
		p, err := collect.MakePlan(ctx, opts)
		if err != nil {
			return collectErr(ctx.Err(), err)
		}
		p.Write(e.stdout)
		return nil
	}
	m, err := collect.Run(ctx, opts)
	bar.done()
	if err != nil {
		return collectErr(ctx.Err(), err)
	}
	if !o.quiet {
		printCollectSummary(e.stderr, o.out, m)
	}
	if m.Partial {
		msg := fmt.Sprintf("collection is partial (%s): see %s", failedParts(m), filepath.Join(o.out, collect.ManifestName))
		if o.allowPartial {
			fmt.Fprintln(e.stderr, "keyaudit: warning: "+msg)
			return nil
		}
		return &exitError{code: exitPartial, err: fmt.Errorf("%s; --allow-partial exits 0", msg)}
	}
	return nil
}

func collectErr(ctxErr, err error) error {
	if ctxErr != nil {
		return ctxErr
	}
	return &exitError{code: exitUsage, err: fmt.Errorf("collect: %w", err)}
}

func failedParts(m *collect.Manifest) string {
	var parts []string
	for _, a := range m.Accounts {
		switch {
		case a.Status == collect.StatusOK || a.Status == collect.StatusSkipped:
		case a.Status != collect.StatusPartial:
			parts = append(parts, fmt.Sprintf("account %s %s", a.ID, a.Status))
		default:
			var what []string
			if r := a.CredentialReport; r != nil && r.Status != collect.StatusOK {
				what = append(what, "credential report "+string(r.Status))
			}
			for _, r := range a.Regions {
				if r.Status != collect.StatusOK && r.Status != collect.StatusSkipped {
					what = append(what, r.Region+" "+string(r.Status))
				}
			}
			parts = append(parts, fmt.Sprintf("account %s: %s", a.ID, strings.Join(what, ", ")))
		}
	}
	return strings.Join(parts, "; ")
}

func printCollectSummary(w io.Writer, dir string, m *collect.Manifest) {
	for _, a := range m.Accounts {
		name := a.ID
		if a.Name != "" {
			name += " (" + a.Name + ")"
		}
		line := fmt.Sprintf("collect: %s: %s", name, a.Status)
		if a.Error != "" {
			line += ": " + a.Error
		}
		if a.Check != "" && a.Status != collect.StatusOK {
			line += "; check " + a.Check
		}
		if r := a.CredentialReport; r != nil {
			line += "; credential report " + string(r.Status)
			if r.Reused {
				line += " (reused)"
			}
		}
		var objs, fetched, days int
		var events int64
		for _, r := range a.Regions {
			objs += r.Objects
			fetched += r.Fetched
			days += r.Days
			events += r.Events
		}
		if m.TrailBucket != "" && len(a.Regions) > 0 {
			line += fmt.Sprintf("; %s in %s, %d fetched", plural(int64(objs), "object"), plural(int64(len(a.Regions)), "region"), fetched)
		} else if len(a.Regions) > 0 {
			line += fmt.Sprintf("; %s in %s written (%s)", plural(int64(days), "day"), plural(int64(len(a.Regions)), "region"), plural(events, "event"))
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "collect: wrote %s (%s)\n", dir, collect.ManifestName)
}

// collectBar is collect's status line on a terminal's stderr: accounts,
// objects, bytes, LookupEvents records and, once bytes flow, an ETA for
// the downloads queued so far. The notes collect logs go through it, so a
// note clears the line before it is printed. A nil *collectBar does
// nothing.
type collectBar struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	drawn bool
}

func (b *collectBar) update(p collect.Progress) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprint(b.w, "\r\x1b[K"+collectStatus(p, time.Since(b.start)))
	b.drawn = true
}

// collectStatus is the status line's text.
func collectStatus(p collect.Progress, elapsed time.Duration) string {
	line := fmt.Sprintf("collect  accounts %d/%d  objects %d/%d", p.AccountsDone, p.AccountsTotal, p.ObjectsDone, p.ObjectsQueued)
	if p.ObjectsUnchanged > 0 {
		line += fmt.Sprintf(" (+%d unchanged)", p.ObjectsUnchanged)
	}
	line += fmt.Sprintf("  %.1f/%.1f MB", float64(p.BytesDone)/1e6, float64(p.BytesQueued)/1e6)
	if p.Events > 0 {
		line += fmt.Sprintf("  %d events", p.Events)
	}
	if secs := elapsed.Seconds(); p.BytesDone > 0 && secs > 0 && p.BytesQueued > p.BytesDone {
		rate := float64(p.BytesDone) / secs
		eta := time.Duration(float64(p.BytesQueued-p.BytesDone) / rate * float64(time.Second)).Round(time.Second)
		line += "  ETA " + eta.String()
	}
	return line
}

// Write prints a note on its own line, clearing the status line first.
func (b *collectBar) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
	return b.w.Write(p)
}

func (b *collectBar) done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
		b.drawn = false
	}
}
