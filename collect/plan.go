package collect

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// Plan is what Run would do, for --dry-run: the accounts (listing the
// organization, which only reads), regions, S3 prefixes and an estimate of
// the API calls. Making it calls sts GetCallerIdentity and, with Org,
// organizations ListAccounts; nothing is assumed, generated or written.
type Plan struct {
	CallerARN string
	Window    Window
	Accounts  []*AccountEntry // Status skipped: will not be read
	Regions   []string
	// Prefixes are the S3 prefixes listed, with ACCT and REGION standing
	// for each account and region.
	Prefixes []string
	// LookupSince is where LookupEvents starts (it reaches back 90 days).
	LookupSince time.Time
	Calls       []CallEstimate
}

// CallEstimate is the number of calls of one API: Min for certain, Max
// when the number depends on the data (0: no bound known).
type CallEstimate struct {
	API      string
	Min, Max int64
	Note     string
}

// MakePlan returns the plan of a Run with opts.
func MakePlan(ctx context.Context, opts Options) (*Plan, error) {
	r, err := newPlanner(ctx, opts)
	if err != nil {
		return nil, err
	}
	ts, err := r.targets(ctx)
	if err != nil {
		return nil, err
	}
	o := r.opts
	p := &Plan{CallerARN: r.m.CallerARN, Window: r.m.Window, Regions: o.Regions}
	var read, assumed int64
	for _, t := range ts {
		p.Accounts = append(p.Accounts, t.entry)
		if t.entry.Status == "" {
			read++
			if t.entry.RoleARN != "" {
				assumed++
			}
		}
	}
	regions := int64(len(o.Regions))
	days := int64(o.Until.Sub(o.Since.Truncate(24*time.Hour))/(24*time.Hour)) + 1
	p.Calls = append(p.Calls,
		CallEstimate{API: "sts AssumeRole", Min: assumed, Max: assumed},
		CallEstimate{API: "iam GenerateCredentialReport", Min: read, Note: "more when IAM answers LimitExceeded"},
		CallEstimate{API: "iam GetCredentialReport", Min: read, Note: "one more per poll while the report is in progress"},
	)
	if o.TrailBucket != "" {
		p.Prefixes = []string{
			"s3://" + o.TrailBucket + "/" + r.trailPrefix() + "AWSLogs/[o-ORGID/]ACCT/CloudTrail/REGION/" + o.Since.Format(s3DayLayout) + " .. " + o.Until.Format(s3DayLayout),
			"s3://" + o.TrailBucket + "/" + r.trailPrefix() + "AWSLogs/[o-ORGID/]ACCT/CloudTrail-Digest/REGION/" + o.Since.Format(s3DayLayout) + " .. " + o.Until.Format(s3DayLayout),
		}
		// CloudTrail writes a log file about every 5 minutes per region
		// when there is activity, and a digest every hour.
		p.Calls = append(p.Calls,
			CallEstimate{API: "s3 ListObjectsV2", Min: read * (1 + 2*regions), Note: "one more per 1,000 objects"},
			CallEstimate{API: "s3 GetObject", Min: 0, Max: read * regions * days * (288 + 24), Note: "objects already in the folder with the same size and ETag are not fetched"},
			CallEstimate{API: "cloudtrail ListPublicKeys", Min: 0, Max: regions},
		)
	} else {
		since, until, _ := r.lookupWindow()
		p.LookupSince = since
		ldays := int64(0)
		if since.Before(until) {
			ldays = int64(until.Sub(since.Truncate(24*time.Hour))/(24*time.Hour)) + 1
		}
		n := read * regions * ldays
		p.Calls = append(p.Calls, CallEstimate{API: "cloudtrail LookupEvents", Min: n,
			Note: fmt.Sprintf("one per account, region and day, plus one per 50 events; at 2 per second per account and region, at least %s", (time.Duration(ldays) * time.Second / 2).Round(time.Second))})
	}
	return p, nil
}

// newPlanner is newRunner without touching the folder.
func newPlanner(ctx context.Context, opts Options) (*runner, error) {
	opts.Out = "-" // not used
	return newRunnerDir(ctx, opts, false)
}

// Write prints the plan, one item a line.
func (p *Plan) Write(w io.Writer) {
	fmt.Fprintf(w, "plan: caller %s\n", p.CallerARN)
	fmt.Fprintf(w, "plan: window %s .. %s\n", p.Window.Since, p.Window.Until)
	var read, skipped []string
	for _, a := range p.Accounts {
		name := a.ID
		if a.Name != "" {
			name += " (" + a.Name + ")"
		}
		switch {
		case a.Status == StatusSkipped:
			skipped = append(skipped, name+": "+a.State)
		case a.RoleARN == "":
			read = append(read, name+" with the caller's own credentials")
		default:
			read = append(read, name+" as "+a.RoleARN)
		}
	}
	fmt.Fprintf(w, "plan: %d accounts to read:\n", len(read))
	for _, s := range read {
		fmt.Fprintf(w, "  %s\n", s)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "plan: %d accounts skipped (not ACTIVE): %s\n", len(skipped), strings.Join(skipped, ", "))
	}
	fmt.Fprintf(w, "plan: %d regions: %s\n", len(p.Regions), strings.Join(p.Regions, " "))
	if len(p.Prefixes) > 0 {
		fmt.Fprintln(w, "plan: CloudTrail from the trail bucket:")
		for _, s := range p.Prefixes {
			fmt.Fprintf(w, "  %s\n", s)
		}
	} else {
		fmt.Fprintf(w, "plan: CloudTrail from LookupEvents (management events only) since %s\n", p.LookupSince.Format(time.RFC3339))
	}
	fmt.Fprintln(w, "plan: API calls (estimate):")
	for _, c := range p.Calls {
		n := fmt.Sprint(c.Min)
		switch {
		case c.Max > c.Min:
			n = fmt.Sprintf("%d to %d", c.Min, c.Max)
		case c.Max == 0 && c.Note != "":
			n = fmt.Sprintf("at least %d", c.Min)
		}
		line := fmt.Sprintf("  %-30s %s", c.API, n)
		if c.Note != "" {
			line += " (" + c.Note + ")"
		}
		fmt.Fprintln(w, line)
	}
}
