package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies the directory src (following symlinks) to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func gzipBytes(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// verifyFlags are the keys and both chain heads' signatures of the fixture.
func verifyFlags() []string {
	return []string{"--public-keys", filepath.Join(fixture, "keys.json"),
		"--signatures", filepath.Join(fixture, "head-us-east-1.json"), "--signatures", filepath.Join(fixture, "head-eu-west-1.json")}
}

// TestAuditVerifyRows: audit --verify, which hashes the logs while it
// reads them, gives every file the row keyaudit verify gives it, over the
// signed fixture (built by verify/internal/digestgen: a modified log, an
// appended gzip member, missing digests, an injected log, a log in no
// chain) with one more log of the intact chain rewritten here; and it
// reads no log a second time.
func TestAuditVerifyRows(t *testing.T) {
	dir := t.TempDir()
	bucket := filepath.Join(dir, "bucket")
	copyTree(t, filepath.Join(fixture, "bucket"), bucket)
	logs, _ := filepath.Glob(filepath.Join(bucket, "cloudtrail/AWSLogs/o-verify1234/111122223333/CloudTrail/us-east-1/2026/10/31/*.json.gz"))
	if len(logs) == 0 {
		t.Fatal("no us-east-1 log in the fixture")
	}
	edited := `{"Records":[{"eventVersion":"1.08","eventTime":"2026-10-31T00:03:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","eventID":"edited-here","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","accountId":"111122223333","userName":"mallory","accessKeyId":"AKIAIOSFODNN7EXAMPLE"}}]}`
	if err := os.WriteFile(logs[0], gzipBytes(t, edited), 0o644); err != nil {
		t.Fatal(err)
	}
	vcsv, acsv := filepath.Join(dir, "verify.csv"), filepath.Join(dir, "audit-verify.csv")
	code, _, stderr := runCLI(t, "", append([]string{"verify", "-q", "-o", vcsv}, append(verifyFlags(), bucket)...)...)
	if code != exitOK {
		t.Fatalf("verify: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "", append([]string{"audit", "-q", "--as-of", "2026-11-01", "--verify", "--verify-output", acsv}, append(verifyFlags(), bucket)...)...)
	if code != exitOK {
		t.Fatalf("audit --verify: exit %d: %s", code, stderr)
	}
	want, _ := os.ReadFile(vcsv)
	got, _ := os.ReadFile(acsv)
	if !bytes.Equal(got, want) {
		t.Errorf("audit --verify rows differ from verify's:\n%s\nwant:\n%s", got, want)
	}
	rows, err := csv.NewReader(bytes.NewReader(got)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	modified := 0
	for _, r := range rows {
		if strings.Contains(strings.Join(r, ","), ","+filepath.Base(logs[0])+",modified,") {
			modified++
		}
	}
	if modified != 1 {
		t.Errorf("the log rewritten here is not modified:\n%s", got)
	}
	for _, s := range []string{
		"CloudTrail integrity (--verify):\n",
		"chain 111122223333/us-east-1/org-trail: 4 digests, 4 logs (2026-10-31T00:00:31Z to 2026-10-31T04:00:31Z): FAILED: 1 modified\n",
		"evidence_verified=partial on the findings from CloudTrail evidence",
	} {
		if !strings.Contains(stdout, s) {
			t.Errorf("audit --verify output lacks %q:\n%s", s, stdout)
		}
	}
	if strings.Contains(stdout, "read a second time") {
		t.Errorf("audit --verify read logs twice:\n%s", stdout)
	}
}

// TestAuditVerifyExitCodes: --fail-on-tamper exits 1 exactly when a
// CloudTrail file is neither valid nor consistent; the verify flags need
// --verify.
func TestAuditVerifyExitCodes(t *testing.T) {
	bucket := filepath.Join(fixture, "bucket")
	east := []string{
		filepath.Join(bucket, "cloudtrail/AWSLogs/o-verify1234/111122223333/CloudTrail/us-east-1"),
		filepath.Join(bucket, "cloudtrail/AWSLogs/o-verify1234/111122223333/CloudTrail-Digest/us-east-1"),
	}
	audit := []string{"audit", "-q", "-f", "csv", "--as-of", "2026-11-01"}
	args := func(a ...[]string) []string {
		var out []string
		for _, x := range a {
			out = append(out, x...)
		}
		return out
	}
	tests := []struct {
		name string
		args []string
		code int
		want string // on stderr
	}{
		{"tampered, no --fail-on-tamper", args(audit, []string{"--verify", bucket}), exitOK, ""},
		{"tampered", args(audit, []string{"--verify", "--fail-on-tamper", bucket}), exitFindings, ""},
		{"tampered, signed", args(audit, []string{"--verify", "--fail-on-tamper"}, verifyFlags(), []string{bucket}), exitFindings, ""},
		{"intact chain, unsigned", args(audit, []string{"--verify", "--fail-on-tamper"}, east), exitOK, ""},
		{"intact chain, signed", args(audit, []string{"--verify", "--fail-on-tamper"}, verifyFlags(), east), exitOK, ""},
		{"no digests: not-covered fails", args(audit, []string{"--verify", "--fail-on-tamper", filepath.Join(bucket, "cloudtrail/AWSLogs/o-verify1234/444455556666")}), exitFindings, ""},
		{"--fail-on-tamper needs --verify", args(audit, []string{"--fail-on-tamper", bucket}), exitUsage, "--fail-on-tamper needs --verify"},
		{"--public-keys needs --verify", args(audit, []string{"--public-keys", "k.json", bucket}), exitUsage, "--public-keys needs --verify"},
		{"bad --verify-output", args(audit, []string{"--verify", "--verify-output", "rows.txt", bucket}), exitUsage, "--verify-output rows.txt: name a .csv"},
		{"keys missing", args(audit, []string{"--verify", "--public-keys", "nope.json", bucket}), exitUsage, "--public-keys nope.json: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.want != "" && !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}
}

// TestAuditVerifyEvidence: with --verify the findings gain
// evidence_verified, set on findings from CloudTrail evidence (the
// inventory's rules, and key IDs placed from CloudTrail) and null on the
// others; without it the columns are those of every other run. The demo's
// CloudTrail has no digests, so nothing verifies: "no". The intact chain
// alone is all verified: "yes".
func TestAuditVerifyEvidence(t *testing.T) {
	demo := "../../testdata/demo"
	code, plain, stderr := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-f", "csv", demo)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, withVerify, stderr := runCLI(t, "", "audit", "--as-of", "2026-11-01", "-f", "csv", "--verify", demo)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	pr, _ := csv.NewReader(strings.NewReader(plain)).ReadAll()
	vr, _ := csv.NewReader(strings.NewReader(withVerify)).ReadAll()
	if len(pr) != len(vr) || len(pr) < 2 {
		t.Fatalf("%d rows without --verify, %d with", len(pr), len(vr))
	}
	if strings.Contains(plain, colEvidenceVerified) {
		t.Errorf("without --verify: %s column", colEvidenceVerified)
	}
	counts := map[string]int{}
	for i := range pr {
		n := len(pr[i])
		if len(vr[i]) != n+1 || strings.Join(vr[i][:n], ",") != strings.Join(pr[i], ",") {
			t.Fatalf("row %d: %q, want %q and one more column", i, vr[i], pr[i])
		}
		if i == 0 {
			if vr[0][n] != colEvidenceVerified {
				t.Errorf("last column %q", vr[0][n])
			}
			continue
		}
		rule, keyID, ev := vr[i][0], vr[i][6], vr[i][n]
		onCT := keyID != "" || rule == "foreign-key" || rule == "key-limit-exceeded" || rule == "rotation-stalled"
		// The demo's only digest chain covers one of prod's log files: the
		// rest of the events are unverified.
		if (ev == evidencePartial) != onCT || (ev != "" && ev != evidencePartial) {
			t.Errorf("%s (key %q): evidence_verified %q", rule, keyID, ev)
		}
		counts[ev]++
	}
	if counts[evidencePartial] == 0 || counts[""] == 0 {
		t.Errorf("evidence_verified values %v: want some partial and some null", counts)
	}
	if !strings.Contains(stderr, "evidence_verified=partial on the findings from CloudTrail evidence") {
		t.Errorf("stderr:\n%s", stderr)
	}

	east := []string{
		filepath.Join(fixture, "bucket/cloudtrail/AWSLogs/o-verify1234/111122223333/CloudTrail/us-east-1"),
		filepath.Join(fixture, "bucket/cloudtrail/AWSLogs/o-verify1234/111122223333/CloudTrail-Digest/us-east-1"),
	}
	_, stdout, _ := runCLI(t, "", append(append([]string{"audit", "-q", "--as-of", "2026-11-01", "--verify"}, verifyFlags()...), east...)...)
	if !strings.Contains(stdout, "came from log files that verified valid or consistent\nevidence_verified=yes on the findings from CloudTrail evidence\n") {
		t.Errorf("intact chain:\n%s", stdout)
	}
}

// TestAuditNoHashingWithoutVerify: without --verify the ingest is given
// no HashFiles, so no hasher is set up (ingest's TestNoHasherWithoutHashFiles).
func TestAuditNoHashingWithoutVerify(t *testing.T) {
	var v auditVerify
	if v.hashFiles() != nil {
		t.Error("hashFiles without --verify")
	}
	v.on = true
	f := v.hashFiles()
	if f == nil || !f("b/AWSLogs/111122223333/CloudTrail/us-east-1/2026/10/31/111122223333_CloudTrail_us-east-1_20261031T0005Z_abcdefghijklmnop.json.gz") ||
		f("reports/credential-report.csv") || f("b/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/31/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261031T010031Z.json.gz") {
		t.Error("hashFiles with --verify: want CloudTrail logs only")
	}
}
