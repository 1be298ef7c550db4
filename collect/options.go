package collect

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// Defaults of Options.
const (
	DefaultRoleName       = "OrganizationAccountAccessRole"
	DefaultReportTimeout  = 5 * time.Minute
	DefaultS3Workers      = 8
	DefaultAccountWorkers = 4
	DefaultWindow         = 90 * 24 * time.Hour
	// LookupEventsRate is CloudTrail's LookupEvents quota: 2 requests per
	// second per account and region.
	LookupEventsRate = 2
	// LookupEventsPage is the largest page LookupEvents returns.
	LookupEventsPage = 50
	// LookupEventsMaxAge is how far back LookupEvents reaches.
	LookupEventsMaxAge = 90 * 24 * time.Hour
	// RoleSessionName names every session collect assumes, so that the
	// accounts' own CloudTrail shows who read them.
	RoleSessionName = "keyaudit-collect"
)

// regionRe is what an AWS region name can be; region names become folder
// names (lookup-events/ACCOUNT/REGION/), so nothing else is accepted.
var regionRe = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)

// DefaultRegions are the commercial regions enabled by default in every
// account. Opt-in regions (af-south-1, ap-east-1, me-south-1, ...) are read
// only when named in Options.Regions; where one is not enabled the region
// is skipped with a note.
var DefaultRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2",
	"ca-central-1", "sa-east-1",
	"eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-southeast-1", "ap-southeast-2",
}

// Options say what Run collects, from where and into which folder.
type Options struct {
	// Out is the folder written. It is created (0700) when missing; files
	// are written 0600 under temporary names and renamed when complete.
	Out string
	// Config is the base AWS configuration: the caller's credentials (the
	// SDK default chain), region and endpoints. Every client is made from it.
	Config aws.Config

	// Org lists the accounts of the organization (ActiveOnly); Accounts
	// names them. With neither, only the caller's account is read.
	Org      bool
	Accounts []string
	// RoleName is assumed in every account but the caller's own.
	RoleName   string
	ExternalID string

	// Regions read for CloudTrail; nil means DefaultRegions.
	Regions []string
	// Since and Until bound the CloudTrail window [Since, Until). Zero
	// Until means Clock.Now(); zero Since means Until - DefaultWindow.
	Since, Until time.Time

	// TrailBucket is the S3 bucket the trail delivers to, TrailPrefix its
	// key prefix (before AWSLogs/). Without a bucket, CloudTrail is read
	// with LookupEvents (management events of the last 90 days only).
	TrailBucket, TrailPrefix string

	S3Workers      int           // parallel S3 downloads (default DefaultS3Workers)
	AccountWorkers int           // accounts read at once (default DefaultAccountWorkers)
	ReportTimeout  time.Duration // per account, for the credential report (default DefaultReportTimeout)

	// Version is written to the manifest.
	Version string
	// Clock gives the time and sleeps; nil is the real clock. Tests pass a
	// fake one: Run never reads the time otherwise.
	Clock Clock
	// Log receives one line per notable event (an account denied, a region
	// skipped); nil discards.
	Log io.Writer
	// RetryBackoff, when set, replaces the SDK's backoff between retries
	// (tests make it short).
	RetryBackoff retry.BackoffDelayer
	// MaxAttempts of each AWS call, throttling included (default 10).
	MaxAttempts int
	// LookupRate is the client-side limit of LookupEvents requests per
	// second per account and region (default LookupEventsRate).
	LookupRate float64
	// Progress, when set, is called with the counts so far, from one
	// goroutine, at most every ProgressEvery and once at the end.
	Progress func(Progress)
}

// ProgressEvery is how often Options.Progress is called.
const ProgressEvery = 200 * time.Millisecond

// Progress is how far a Run has got. Objects and bytes count what the S3
// listing queued for download; a new listing can still add to them.
type Progress struct {
	AccountsDone, AccountsTotal int64
	ObjectsDone, ObjectsQueued  int64 // S3 downloads
	ObjectsUnchanged            int64 // kept from the previous run
	BytesDone, BytesQueued      int64
	Events                      int64 // LookupEvents records written
}

// Clock is the time as Run sees it.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now().UTC() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RealClock is the system clock.
var RealClock Clock = realClock{}

// withDefaults fills in the zero fields and checks the rest.
func (o Options) withDefaults() (Options, error) {
	if o.Out == "" {
		return o, fmt.Errorf("no output folder")
	}
	if o.Clock == nil {
		o.Clock = RealClock
	}
	if o.RoleName == "" {
		o.RoleName = DefaultRoleName
	}
	if len(o.Regions) == 0 {
		o.Regions = DefaultRegions
	}
	if o.S3Workers <= 0 {
		o.S3Workers = DefaultS3Workers
	}
	if o.AccountWorkers <= 0 {
		o.AccountWorkers = DefaultAccountWorkers
	}
	if o.ReportTimeout <= 0 {
		o.ReportTimeout = DefaultReportTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.LookupRate <= 0 {
		o.LookupRate = LookupEventsRate
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Until.IsZero() {
		o.Until = o.Clock.Now()
	}
	o.Until = o.Until.UTC()
	if o.Since.IsZero() {
		o.Since = o.Until.Add(-DefaultWindow)
	}
	o.Since = o.Since.UTC()
	if !o.Since.Before(o.Until) {
		return o, fmt.Errorf("empty window: since %s is not before until %s", o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	if o.Org && len(o.Accounts) > 0 {
		return o, fmt.Errorf("give the organization or a list of accounts, not both")
	}
	for _, a := range o.Accounts {
		if !keyid.IsAccountID(a) {
			return o, fmt.Errorf("account %q is not a 12-digit account ID", a)
		}
	}
	for _, r := range o.Regions {
		if !regionRe.MatchString(r) {
			return o, fmt.Errorf("region %q is not an AWS region name (such as us-east-1 or us-gov-west-1)", r)
		}
	}
	return o, nil
}
