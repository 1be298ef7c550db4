package collect

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/internal/fakeaws"
)

// trailOptions read the demo trail bucket for three regions of October.
func trailOptions(srv *fakeaws.Server, out string, clock *fakeClock) Options {
	o := options(srv, out, clock)
	o.TrailBucket, o.TrailPrefix = bucket, "trail"
	o.Regions = []string{"us-east-1", "eu-west-1", "us-west-2"}
	o.Since = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	o.Until = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return o
}

func TestCredentialReports(t *testing.T) {
	srv := demoFake(t)
	srv.Account(mgmt).InProgress = 2   // ReportInProgress twice, then the report
	srv.Account(dev).LimitExceeded = 1 // LimitExceeded once on Generate
	srv.Account(sandbox).Fresh = true  // IAM has a fresh one: reused
	out := filepath.Join(t.TempDir(), "inputs")
	clock := newClock()
	o := trailOptions(srv, out, clock)
	o.Accounts = []string{mgmt, dev, sandbox}
	m, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if m.Partial {
		t.Fatalf("partial: %s", js(m))
	}
	rm, rd, rs := accountOf(m, mgmt).CredentialReport, accountOf(m, dev).CredentialReport, accountOf(m, sandbox).CredentialReport
	if rm.Status != StatusOK || rm.Polls != 3 || rm.Retries != 2 || rm.Reused {
		t.Errorf("management report %+v, want 3 polls, 2 retries", rm)
	}
	if rd.Status != StatusOK || rd.Throttles != 1 || rd.Retries != 1 {
		t.Errorf("dev report %+v, want 1 throttle", rd)
	}
	if rs.Status != StatusOK || !rs.Reused || rs.Polls != 1 {
		t.Errorf("sandbox report %+v, want reused", rs)
	}
	if clock.slept == 0 {
		t.Error("the poll loop never slept")
	}
	if got := srv.Calls("sts.AssumeRole"); got != 2 {
		t.Errorf("%d AssumeRole calls, want 2 (not into the caller's own account)", got)
	}
	// The CLI JSON form, 0600 in a 0700 folder.
	path := filepath.Join(out, ReportsDir, dev+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]string
	if err := json.Unmarshal(b, &doc); err != nil || doc["ReportFormat"] != "text/csv" || doc["GeneratedTime"] != "2026-11-01T06:00:00Z" || doc["Content"] == "" {
		t.Errorf("report file %s: %v", b, err)
	}
	checkModes(t, out)
	noSecrets(t, out)
}

func TestReportTimeout(t *testing.T) {
	srv := demoFake(t)
	srv.Account(mgmt).InProgress = 1 << 30
	clock := newClock()
	o := trailOptions(srv, t.TempDir(), clock)
	o.ReportTimeout = time.Minute
	m, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	r := accountOf(m, mgmt).CredentialReport
	if r.Status != StatusTimeout || !m.Partial || accountOf(m, mgmt).Status != StatusPartial {
		t.Fatalf("report %+v partial %v, want timeout", r, m.Partial)
	}
	if clock.slept > time.Minute {
		t.Errorf("slept %s past the 1m deadline", clock.slept)
	}
}

func TestOrganization(t *testing.T) {
	srv := demoFake(t)
	srv.Add(
		&fakeaws.Account{ID: "222200001111", Name: "denied", DenyAssume: true},
		&fakeaws.Account{ID: "333300001111", Name: "gone", State: "SUSPENDED"},
	)
	out := t.TempDir()
	o := trailOptions(srv, out, newClock())
	o.Org, o.ExternalID = true, "ext-42"
	m, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Calls("organizations.ListAccounts") < 3 {
		t.Errorf("ListAccounts not paginated: %d calls for 5 accounts", srv.Calls("organizations.ListAccounts"))
	}
	if m.OrganizationID != demoOrg || len(m.Accounts) != 5 || !m.Partial {
		t.Fatalf("manifest %s", js(m))
	}
	d := accountOf(m, "222200001111")
	if d.Status != StatusDenied || d.RoleARN != "arn:aws:iam::222200001111:role/OrganizationAccountAccessRole" ||
		!strings.Contains(d.Check, "arn:aws:iam::"+mgmt+":user/auditor") || !strings.Contains(d.Error, "AccessDenied") {
		t.Errorf("denied account %+v", d)
	}
	s := accountOf(m, "333300001111")
	if s.Status != StatusSkipped || s.State != "SUSPENDED" {
		t.Errorf("suspended account %+v", s)
	}
	for _, req := range srv.Log() {
		if req.Action == "AssumeRole" && req.Account != mgmt {
			t.Errorf("AssumeRole made with %s's keys", req.Account)
		}
		if req.Account == "333300001111" {
			t.Errorf("suspended account was called: %+v", req)
		}
		if req.Service == "iam" && req.Account == sandbox && !strings.HasPrefix(req.AccessKey, "ASIA") {
			t.Errorf("sandbox IAM called with %s", req.AccessKey)
		}
	}
	for _, id := range []string{mgmt, dev, sandbox} {
		if a := accountOf(m, id); a.Status != StatusOK {
			t.Errorf("account %s: %+v", id, a)
		}
	}
	noSecrets(t, out)
}

func TestTrailResume(t *testing.T) {
	srv := demoFake(t)
	srv.SlowDown = 2
	out := t.TempDir()
	o := trailOptions(srv, out, newClock())
	o.Org = true
	var last Progress
	calls := 0
	o.Progress = func(p Progress) { last = p; calls++ }
	m, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	// The last progress call, made after the downloads, has the manifest's
	// counts.
	var bytes int64
	for _, ob := range m.Objects {
		bytes += ob.Size
	}
	if calls == 0 || last.ObjectsDone != 56 || last.ObjectsQueued != 56 || last.BytesDone != bytes || last.BytesQueued != bytes ||
		last.AccountsDone != last.AccountsTotal || last.AccountsTotal == 0 {
		t.Errorf("last progress %+v after %d calls, want 56 objects and %d bytes done, every account", last, calls, bytes)
	}
	o.Progress = nil
	// October files of the three regions: 25 + 5 + 23 (the September file
	// of the sandbox is outside the window) and prod's three digests.
	if got := len(m.Objects); got != 56 {
		t.Errorf("%d objects, want 56", got)
	}
	var fetched, throttles int64
	for _, a := range m.Accounts {
		for _, r := range a.Regions {
			fetched += int64(r.Fetched)
			throttles += r.Throttles
		}
	}
	if fetched != 56 || throttles != 2 {
		t.Errorf("fetched %d throttles %d, want 56 and 2 (SlowDown)", fetched, throttles)
	}
	if _, err := os.Stat(filepath.Join(out, S3Dir, bucket, "trail/AWSLogs", demoOrg, sandbox, "CloudTrail/us-east-1/2026/09/10")); err == nil {
		t.Error("a file before the window was fetched")
	}
	if got := srv.Calls("s3.ListObjectsV2"); got < 30 {
		t.Errorf("%d ListObjectsV2 calls: pages of 2 keys not followed?", got)
	}
	sigs := readSignatures(out)
	if len(sigs) != 3 {
		t.Fatalf("signatures %v", sigs)
	}
	for p, s := range sigs {
		if !strings.Contains(p, "CloudTrail-Digest/us-east-1/2026/1") || s.Signature != demoSign || s.Algorithm != "SHA256withRSA" {
			t.Errorf("signature %s %+v", p, s)
		}
	}
	var keys struct{ PublicKeyList []map[string]any }
	b, _ := os.ReadFile(filepath.Join(out, PublicKeysPrefix+"us-east-1.json"))
	if json.Unmarshal(b, &keys); len(keys.PublicKeyList) != 2 || keys.PublicKeyList[1]["Fingerprint"] != "fp2" {
		t.Errorf("public keys %s", b)
	}

	// Again: nothing new.
	before := srv.Calls("s3.GetObject")
	m2, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("s3.GetObject") - before; got != 0 || len(m2.Objects) != 56 {
		t.Errorf("second run fetched %d objects (want 0), manifest has %d", got, len(m2.Objects))
	}
	if len(readSignatures(out)) != 3 {
		t.Error("second run lost the digest signature")
	}

	// An object rewritten in S3 (new ETag) is fetched again.
	key := "trail/AWSLogs/" + demoOrg + "/" + dev + "/CloudTrail/us-east-1/2026/10/27/changed.json.gz"
	srv.PutObject(bucket, key, []byte("new"), nil)
	before = srv.Calls("s3.GetObject")
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("s3.GetObject") - before; got != 1 {
		t.Errorf("third run fetched %d objects, want the new one", got)
	}
	old := "trail/AWSLogs/" + demoOrg + "/" + dev + "/CloudTrail/us-east-1/2026/10/27/"
	var name string
	filepath.WalkDir(filepath.Join(out, S3Dir, bucket, filepath.FromSlash(old)), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, "changed.json.gz") {
			name = p
		}
		return nil
	})
	rel, _ := filepath.Rel(filepath.Join(out, S3Dir, bucket), name)
	srv.PutObject(bucket, filepath.ToSlash(rel), []byte("rewritten"), nil)
	before = srv.Calls("s3.GetObject")
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("s3.GetObject") - before; got != 1 {
		t.Errorf("fourth run fetched %d objects, want the one whose ETag changed", got)
	}
	if b, _ := os.ReadFile(name); string(b) != "rewritten" {
		t.Errorf("changed object not replaced: %q", b)
	}
	checkModes(t, out)
}

func js(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

// checkModes: folders 0700, files 0600, no temporary left.
func checkModes(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		fi, _ := d.Info()
		if strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if p != dir && fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		return nil
	})
}

// noSecrets: the fake's secret keys and session tokens are never written.
func noSecrets(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, s := range []string{"fake-secret", "fake-token", "ASIAFAKE"} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains %s", p, s)
			}
		}
		return nil
	})
}

// TestHostileNames: account IDs and regions name folders, so a value from
// a response or a flag that is not what it claims is refused, never joined
// into a path (issue 17).
func TestHostileNames(t *testing.T) {
	srv := demoFake(t)
	srv.Add(&fakeaws.Account{ID: "../../../../tmp/evil", Name: "evil"})
	out := t.TempDir()
	o := trailOptions(srv, out, newClock())
	o.Org = true
	m, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	bad := accountOf(m, "invalid")
	if bad == nil || bad.Status != StatusError || !strings.Contains(bad.Error, "not a 12-digit account ID") || !m.Partial {
		t.Fatalf("hostile account ID: %s", js(m))
	}
	filepath.WalkDir(filepath.Dir(out), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(p, "evil") {
			t.Errorf("a path was made from the hostile ID: %s", p)
		}
		return nil
	})
	for _, region := range []string{"../x", "us-east-1/../../y", "US-EAST-1", "us-east-1\n"} {
		o := options(srv, t.TempDir(), newClock())
		o.Regions = []string{region}
		if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "is not an AWS region name") {
			t.Errorf("region %q: %v", region, err)
		}
	}
}
