package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/collect"
	"github.com/keyaudit/keyaudit/internal/fakeaws"
)

// awsEnv points the SDK's default chain at srv the way a user would: the
// environment only, no config or credentials file, no instance metadata.
func awsEnv(t *testing.T, srv *fakeaws.Server) {
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", fakeaws.CallerKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", fakeaws.CallerSecret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func demoFake(t *testing.T) *fakeaws.Server {
	t.Helper()
	srv := fakeaws.New(fakeaws.DemoManagement)
	t.Cleanup(srv.Close)
	if err := srv.LoadDemo(demo, "org-trail", "logs"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{fakeaws.DemoManagement, fakeaws.DemoDev, fakeaws.DemoSandbox} {
		srv.Account(id).Fresh = true // no poll: the CLI runs on the real clock
	}
	return srv
}

var collectArgs = []string{"collect", "--org", "--trail-bucket", "org-trail", "--trail-prefix", "logs",
	"--regions", "us-east-1,eu-west-1,us-west-2", "--since", "2026-09-01", "--until", "2026-11-01"}

// TestCollectThenAudit: auditing what collect fetched from the fake finds
// exactly what auditing the fake's source data does.
func TestCollectThenAudit(t *testing.T) {
	srv := demoFake(t)
	awsEnv(t, srv)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "inputs")
	code, stdout, stderr := runCLI(t, "", append(collectArgs, "--out", dir)...)
	if code != 0 {
		t.Fatalf("collect: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"collect: 444455556666 (dev): ok; credential report ok (reused)", "collect: wrote " + dir} {
		if !strings.Contains(stderr, want) {
			t.Errorf("collect stderr lacks %q:\n%s", want, stderr)
		}
	}
	collected := filepath.Join(tmp, "collected.csv")
	code, _, stderr = runCLI(t, "", "audit", "--as-of", "2026-11-01", "-f", "csv", "-o", collected, dir)
	if code != 0 {
		t.Fatalf("audit of the collected folder: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"keyaudit collect manifest", "keyaudit collect digest signatures", "keyaudit collect CloudTrail public keys"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("audit stderr does not say it skipped the %s:\n%s", want, stderr)
		}
	}
	source := filepath.Join(tmp, "source.csv")
	code, _, stderr = runCLI(t, "", "audit", "--as-of", "2026-11-01", "-f", "csv", "-o", source,
		filepath.Join(demo, "reports", "prod-111122223333.csv"), filepath.Join(demo, "reports", "dev-444455556666.csv"),
		filepath.Join(demo, "reports", "sandbox-777788889999.json"), filepath.Join(demo, "cloudtrail", "AWSLogs"))
	if code != 0 {
		t.Fatalf("audit of the source: exit %d\n%s", code, stderr)
	}
	a, _ := os.ReadFile(collected)
	b, _ := os.ReadFile(source)
	if len(b) < 100 || string(a) != string(b) {
		t.Errorf("findings differ\ncollected:\n%s\nsource:\n%s", a, b)
	}
}

func TestCollectPartialExit(t *testing.T) {
	srv := demoFake(t)
	srv.Add(&fakeaws.Account{ID: "222200001111", Name: "locked", DenyAssume: true})
	awsEnv(t, srv)
	dir := t.TempDir()
	code, _, stderr := runCLI(t, "", append(collectArgs, "--out", dir, "-q")...)
	if code != exitPartial || !strings.Contains(stderr, "account 222200001111 denied") || !strings.Contains(stderr, "--allow-partial") {
		t.Fatalf("exit %d, want %d\n%s", code, exitPartial, stderr)
	}
	var m struct {
		Partial  bool
		Accounts []struct{ Status, Check string }
	}
	b, _ := os.ReadFile(filepath.Join(dir, "collect-manifest.json"))
	if err := json.Unmarshal(b, &m); err != nil || !m.Partial {
		t.Fatalf("manifest %s: %v", b, err)
	}
	code, _, stderr = runCLI(t, "", append(collectArgs, "--out", dir, "-q", "--allow-partial")...)
	if code != 0 || !strings.Contains(stderr, "warning: collection is partial") {
		t.Fatalf("--allow-partial: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "audit", "--as-of", "2026-11-01", "-q", dir)
	if code != 0 || !strings.Contains(stderr, "warning: "+dir+" was collected partially (222200001111 denied)") {
		t.Errorf("audit of a partial folder: exit %d\n%s", code, stderr)
	}
}

func TestCollectDryRun(t *testing.T) {
	srv := demoFake(t)
	awsEnv(t, srv)
	dir := filepath.Join(t.TempDir(), "never")
	code, stdout, stderr := runCLI(t, "", append(collectArgs, "--out", dir, "--dry-run")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"plan: caller arn:aws:iam::111122223333:user/auditor",
		"plan: 3 accounts to read:",
		"444455556666 (dev) as arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
		"111122223333 (prod) with the caller's own credentials",
		"s3://org-trail/logs/AWSLogs/[o-ORGID/]ACCT/CloudTrail/REGION/2026/09/01 .. 2026/11/01",
		"sts AssumeRole                 2",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("--dry-run created the folder")
	}
	for _, action := range []string{"sts.AssumeRole", "iam.GenerateCredentialReport", "s3.GetObject"} {
		if n := srv.Calls(action); n != 0 {
			t.Errorf("--dry-run made %d %s calls", n, action)
		}
	}
}

func TestCollectUsage(t *testing.T) {
	for _, args := range [][]string{
		{"collect"},
		{"collect", "--out", "x", "--org", "--accounts", "111122223333"},
		{"collect", "--out", "x", "--since", "yesterday"},
		{"collect", "--out", "x", "--trail-prefix", "p"},
	} {
		if code, _, stderr := runCLI(t, "", args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, stderr)
		}
	}
}

func TestCollectStatus(t *testing.T) {
	tests := []struct {
		p       collect.Progress
		elapsed time.Duration
		want    string
	}{
		{collect.Progress{AccountsTotal: 3}, 0, "collect  accounts 0/3  objects 0/0  0.0/0.0 MB"},
		{collect.Progress{AccountsDone: 1, AccountsTotal: 3, ObjectsDone: 10, ObjectsQueued: 40, ObjectsUnchanged: 5, BytesDone: 2e6, BytesQueued: 8e6},
			2 * time.Second, "collect  accounts 1/3  objects 10/40 (+5 unchanged)  2.0/8.0 MB  ETA 6s"},
		{collect.Progress{AccountsDone: 2, AccountsTotal: 2, Events: 1200}, time.Second, "collect  accounts 2/2  objects 0/0  0.0/0.0 MB  1200 events"},
	}
	for _, tt := range tests {
		if got := collectStatus(tt.p, tt.elapsed); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
	// The bar clears itself before a note and at the end.
	var buf bytes.Buffer
	b := &collectBar{w: &buf, start: time.Now()}
	b.update(collect.Progress{AccountsTotal: 1})
	fmt.Fprintln(b, "collect: account 1 denied")
	b.update(collect.Progress{AccountsDone: 1, AccountsTotal: 1})
	b.done()
	if got := buf.String(); !strings.Contains(got, "\r\x1b[Kcollect: account 1 denied\n") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("bar output %q", got)
	}
	var nilBar *collectBar
	nilBar.update(collect.Progress{})
	nilBar.done()
}
