package collect

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// runner is one Run.
type runner struct {
	opts     Options
	m        *Manifest
	prev     *Manifest              // the folder's previous manifest, or nil
	prevObjs map[string]ObjectEntry // by bucket + "/" + key

	mu      sync.Mutex // guards m.Objects, m.Notes, sigs, keyRegions
	sigs    map[string]Signature
	digests map[string]bool // regions with digests fetched or kept

	callerAccount, partition string
	stsc                     *sts.Client

	prog progressCounts
}

// progressCounts back Options.Progress.
type progressCounts struct {
	accountsDone, accountsTotal       atomic.Int64
	objsDone, objsQueued, objsKept    atomic.Int64
	bytesDone, bytesQueued, lookupEvs atomic.Int64
}

func (c *progressCounts) snapshot() Progress {
	return Progress{
		AccountsDone: c.accountsDone.Load(), AccountsTotal: c.accountsTotal.Load(),
		ObjectsDone: c.objsDone.Load(), ObjectsQueued: c.objsQueued.Load(), ObjectsUnchanged: c.objsKept.Load(),
		BytesDone: c.bytesDone.Load(), BytesQueued: c.bytesQueued.Load(), Events: c.lookupEvs.Load(),
	}
}

// reportProgress calls Options.Progress every ProgressEvery until stop is
// closed, then once more.
func (r *runner) reportProgress(stop <-chan struct{}, finished chan<- struct{}) {
	defer close(finished)
	t := time.NewTicker(ProgressEvery) // the display's pace, not data: no Clock
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.opts.Progress(r.prog.snapshot())
		case <-stop:
			r.opts.Progress(r.prog.snapshot())
			return
		}
	}
}

// target is one account to read, with the configuration that reaches it.
type target struct {
	entry *AccountEntry
	cfg   aws.Config
}

// Run collects credential reports and CloudTrail into opts.Out and writes
// collect-manifest.json last. Accounts, reports and regions that fail are
// recorded in the manifest (Manifest.Partial) and the run goes on; Run
// returns an error only when nothing can be collected (no credentials, the
// folder is not writable, the organization cannot be listed) or ctx ends,
// and then writes no manifest.
func Run(ctx context.Context, opts Options) (*Manifest, error) {
	r, err := newRunner(ctx, opts)
	if err != nil {
		return nil, err
	}
	targets, err := r.targets(ctx)
	if err != nil {
		return nil, err
	}
	sem := make(chan struct{}, r.opts.AccountWorkers)
	dl := r.startDownloads(ctx)
	if r.opts.Progress != nil {
		stop, finished := make(chan struct{}), make(chan struct{})
		go r.reportProgress(stop, finished)
		defer func() { close(stop); <-finished }()
	}
	var wg sync.WaitGroup
	for _, t := range targets {
		if t.entry.Status != "" { // skipped: not ACTIVE
			continue
		}
		r.prog.accountsTotal.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			defer r.prog.accountsDone.Add(1)
			r.account(ctx, t, dl)
		}()
	}
	wg.Wait()
	dl.close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.opts.TrailBucket != "" {
		r.publicKeys(ctx)
		if err := writeJSON(filepath.Join(r.opts.Out, SignaturesName), r.sigs); err != nil {
			return nil, fmt.Errorf("write %s: %w", SignaturesName, err)
		}
	}
	r.m.Finished = r.opts.Clock.Now().UTC().Format(time.RFC3339)
	r.m.finish()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(r.opts.Out, ManifestName), r.m); err != nil {
		return nil, fmt.Errorf("write %s: %w", ManifestName, err)
	}
	return r.m, nil
}

func newRunner(ctx context.Context, opts Options) (*runner, error) {
	return newRunnerDir(ctx, opts, true)
}

// newRunnerDir makes a runner; with useDir it creates the folder and
// reads what a previous run left there.
func newRunnerDir(ctx context.Context, opts Options, useDir bool) (*runner, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Config.Region == "" {
		opts.Config.Region = "us-east-1" // IAM, STS and Organizations are global
	}
	r := &runner{opts: opts, sigs: map[string]Signature{}, digests: map[string]bool{}, prevObjs: map[string]ObjectEntry{}}
	r.m = &Manifest{
		ManifestVersion: ManifestVersion,
		Tool:            "keyaudit collect",
		Version:         opts.Version,
		Started:         opts.Clock.Now().UTC().Format(time.RFC3339),
		Window:          Window{Since: opts.Since.Format(time.RFC3339), Until: opts.Until.Format(time.RFC3339)},
		TrailBucket:     opts.TrailBucket,
		TrailPrefix:     opts.TrailPrefix,
		Accounts:        []*AccountEntry{},
		Objects:         []ObjectEntry{},
	}
	r.stsc = sts.NewFromConfig(opts.Config, func(o *sts.Options) {
		o.Retryer = r.retryer(&counters{})
		o.ClientLogMode = 0 // never log an AssumeRole response: it holds credentials
	})
	id, err := r.stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("who am I (sts GetCallerIdentity): %s: check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO login)", short(err))
	}
	r.m.CallerARN, r.callerAccount = aws.ToString(id.Arn), aws.ToString(id.Account)
	r.m.CallerAccount = r.callerAccount
	r.partition = "aws"
	if parts := strings.SplitN(r.m.CallerARN, ":", 3); len(parts) == 3 && parts[0] == "arn" {
		r.partition = parts[1]
	}
	if !useDir {
		return r, nil
	}
	if err := os.MkdirAll(opts.Out, dirMode); err != nil {
		return nil, fmt.Errorf("create %s: %w", opts.Out, err)
	}
	if r.prev, err = ReadManifest(opts.Out); err != nil {
		r.note("previous manifest unreadable, every object is fetched again: %v", err)
	}
	if r.prev != nil {
		for _, o := range r.prev.Objects {
			r.prevObjs[o.Bucket+"/"+o.Key] = o
		}
	}
	r.sigs = readSignatures(opts.Out)
	return r, nil
}

func (r *runner) note(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	r.mu.Lock()
	r.m.Notes = append(r.m.Notes, s)
	r.mu.Unlock()
	fmt.Fprintln(r.opts.Log, "collect: "+s)
}

// targets lists the accounts to read, each with its configuration: the
// caller's own account with the caller's credentials, every other one
// through an AssumeRole of RoleName (credentials cached in memory only).
func (r *runner) targets(ctx context.Context) ([]target, error) {
	var ids []*AccountEntry
	switch {
	case r.opts.Org:
		org := organizations.NewFromConfig(r.opts.Config, func(o *organizations.Options) { o.Retryer = r.retryer(&counters{}) })
		if d, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err == nil && d.Organization != nil {
			r.m.OrganizationID = aws.ToString(d.Organization.Id)
		}
		p := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list the organization's accounts (organizations ListAccounts as %s): %s: run from the management account or a delegated administrator, with organizations:ListAccounts allowed", r.m.CallerARN, short(err))
			}
			for _, a := range page.Accounts {
				e := &AccountEntry{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), State: string(a.State)}
				if e.State == "" {
					e.State = string(a.Status) // older API field
				}
				switch {
				case !keyid.IsAccountID(e.ID):
					// The ID names folders and files: never a path from a response.
					e.Status = StatusError
					e.Error = fmt.Sprintf("organizations ListAccounts returned %q, which is not a 12-digit account ID", e.ID)
					e.ID = "invalid"
				case e.State != string(orgtypes.AccountStateActive):
					e.Status = StatusSkipped
					e.Check = "the account is " + e.State + " in the organization: only ACTIVE accounts are read"
				}
				ids = append(ids, e)
			}
		}
	case len(r.opts.Accounts) > 0:
		seen := map[string]bool{}
		for _, a := range r.opts.Accounts {
			if !seen[a] {
				seen[a] = true
				ids = append(ids, &AccountEntry{ID: a})
			}
		}
	default:
		if !keyid.IsAccountID(r.callerAccount) {
			return nil, fmt.Errorf("sts GetCallerIdentity returned account %q, which is not a 12-digit account ID", r.callerAccount)
		}
		ids = []*AccountEntry{{ID: r.callerAccount}}
	}
	var ts []target
	for _, e := range ids {
		r.m.Accounts = append(r.m.Accounts, e)
		cfg := r.opts.Config.Copy()
		if e.ID != r.callerAccount {
			e.RoleARN = fmt.Sprintf("arn:%s:iam::%s:role/%s", r.partition, e.ID, r.opts.RoleName)
			prov := stscreds.NewAssumeRoleProvider(r.stsc, e.RoleARN, func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = RoleSessionName
				if r.opts.ExternalID != "" {
					o.ExternalID = aws.String(r.opts.ExternalID)
				}
			})
			cfg.Credentials = aws.NewCredentialsCache(prov)
		}
		ts = append(ts, target{entry: e, cfg: cfg})
	}
	return ts, nil
}

// account reads one account: its role, credential report and CloudTrail.
func (r *runner) account(ctx context.Context, t target, dl *downloads) {
	e := t.entry
	if e.RoleARN != "" {
		if _, err := t.cfg.Credentials.Retrieve(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			e.Status = statusOf(err)
			if e.Status == StatusSkipped || e.Status == StatusOK {
				e.Status = StatusError
			}
			e.Error = "sts AssumeRole " + e.RoleARN + ": " + short(err)
			e.Check = fmt.Sprintf("that role %s exists in account %s, that its trust policy lets %s (or account %s) assume it%s, and that no SCP denies sts:AssumeRole",
				r.opts.RoleName, e.ID, r.m.CallerARN, r.callerAccount, externalIDHint(r.opts.ExternalID))
			r.note("account %s: %s", e.ID, e.Error)
			return
		}
	}
	r.credentialReport(ctx, t)
	if r.opts.TrailBucket != "" {
		r.trail(ctx, t, dl)
	} else {
		r.lookupEvents(ctx, t)
	}
}

func externalIDHint(id string) string {
	if id == "" {
		return " (without an external ID: add --external-id if its trust policy requires sts:ExternalId)"
	}
	return " with the sts:ExternalId given by --external-id"
}
