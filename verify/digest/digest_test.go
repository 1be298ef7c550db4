package digest_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/internal/golden"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// dump renders a Digest for the golden file, one field a line.
func dump(d *digest.Digest) string {
	var b strings.Builder
	t := func(x time.Time) string {
		if x.IsZero() {
			return "-"
		}
		return x.Format(time.RFC3339)
	}
	fmt.Fprintf(&b, "account: %s\nstart: %s\nend: %s (raw %q)\n", d.AccountID, t(d.StartTime), t(d.EndTime), d.EndTimeRaw)
	fmt.Fprintf(&b, "object: %s/%s\nkey: %s %s\n", d.S3Bucket, d.S3Object, d.PublicKeyFingerprint, d.SignatureAlgorithm)
	fmt.Fprintf(&b, "events: %s to %s\nstart of chain: %v\n", t(d.OldestEventTime), t(d.NewestEventTime), d.IsStart())
	fmt.Fprintf(&b, "previous: %s/%s\nprevious hash: %s %s\nprevious signature: %d hex digits\n", d.PrevS3Bucket, d.PrevS3Object, d.PrevHashAlgorithm, d.PrevHash, len(d.PrevSignature))
	for i, lf := range d.LogFiles {
		fmt.Fprintf(&b, "log %d: %s/%s\n  %s %s\n  events %s to %s\n  err: %v\n", i, lf.S3Bucket, lf.S3Object, lf.HashAlgorithm, lf.Hash, t(lf.OldestEventTime), t(lf.NewestEventTime), lf.Err)
	}
	return b.String()
}

// TestParseGolden parses a digest in the shape of the example in AWS's
// "CloudTrail digest file structure" (values of our own): upper-case hex
// is normalised, every field lands where it belongs.
func TestParseGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/aws-doc-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := digest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	golden.CheckString(t, "testdata/aws-doc-sample.golden", dump(d))
}

const start = `{"awsAccountId":"111122223333","digestStartTime":"2026-10-31T00:00:31Z","digestEndTime":"2026-10-31T01:00:31Z",
"digestS3Bucket":"b","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/31/x.json.gz",
"digestPublicKeyFingerprint":"0123456789abcdef0123456789abcdef","digestSignatureAlgorithm":"SHA256withRSA",
"previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,
"logFiles":[]}`

var hash64 = strings.Repeat("ab", 32)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  [2]string // replace old with new in start
		field string
		cause error
	}{
		{"not JSON", [2]string{start, "hello"}, "", digest.ErrSyntax},
		{"array", [2]string{start, "[1,2]"}, "", digest.ErrSyntax},
		{"truncated", [2]string{`"logFiles":[]}`, `"logFiles":[`}, "", digest.ErrSyntax},
		{"account type", [2]string{`"111122223333"`, `111122223333`}, "awsAccountId", digest.ErrSyntax},
		{"account digits", [2]string{`"111122223333"`, `"11112222333"`}, "awsAccountId", digest.ErrInvalid},
		{"no end", [2]string{`"digestEndTime":"2026-10-31T01:00:31Z",`, ``}, "digestEndTime", digest.ErrMissing},
		{"bad end", [2]string{`01:00:31Z"`, `01:00:31"`}, "digestEndTime", digest.ErrInvalid},
		{"end before start", [2]string{`T01:00:31Z"`, `T00:00:30Z"`}, "digestEndTime", digest.ErrInvalid},
		{"no object", [2]string{`"digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/31/x.json.gz",`, `"digestS3Object":"",`}, "digestS3Object", digest.ErrMissing},
		{"fingerprint", [2]string{`0123456789abcdef0123456789abcdef`, `0123456789abcdef`}, "digestPublicKeyFingerprint", digest.ErrInvalid},
		{"hash without object", [2]string{`"previousDigestHashValue":null`, `"previousDigestHashValue":"` + hash64 + `"`}, "previousDigestHashValue", digest.ErrInvalid},
		{"object without hash", [2]string{`"previousDigestS3Object":null`, `"previousDigestS3Object":"AWSLogs/p.json.gz"`}, "previousDigestHashValue", digest.ErrMissing},
		{"hash 63 hex", [2]string{`"previousDigestS3Object":null,"previousDigestHashValue":null`, `"previousDigestS3Object":"AWSLogs/p.json.gz","previousDigestHashValue":"` + hash64[:63] + `"`}, "previousDigestHashValue", digest.ErrInvalid},
		{"signature odd", [2]string{`"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null`,
			`"previousDigestS3Object":"AWSLogs/p.json.gz","previousDigestHashValue":"` + hash64 + `","previousDigestSignature":"abc"`}, "previousDigestSignature", digest.ErrInvalid},
		{"logFiles object", [2]string{`"logFiles":[]`, `"logFiles":{}`}, "logFiles", digest.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(start, tt.edit[0], tt.edit[1], 1)
			if in == start {
				t.Fatal("edit changed nothing")
			}
			d, err := digest.Parse([]byte(in))
			var pe *digest.ParseError
			if !errors.As(err, &pe) || d != nil {
				t.Fatalf("got %v, %v; want a *ParseError", d, err)
			}
			if pe.Field != tt.field || !errors.Is(err, tt.cause) {
				t.Fatalf("error %q: field %q, want %q wrapping %v", err, pe.Field, tt.field, tt.cause)
			}
		})
	}
}

// TestParseLogEntryErrors: a malformed entry keeps its error and does not
// fail the digest.
func TestParseLogEntryErrors(t *testing.T) {
	in := strings.Replace(start, `"logFiles":[]`, `"logFiles":[
{"s3Bucket":"b","s3Object":"AWSLogs/1.json.gz","hashValue":"`+hash64+`"},
{"s3Bucket":"b","s3Object":"AWSLogs/2.json.gz","hashValue":"`+hash64[:63]+`"},
{"s3Bucket":"b","hashValue":"`+hash64+`"},
{"s3Bucket":"b","s3Object":"AWSLogs/4.json.gz","hashValue":"`+hash64+`","newestEventTime":"yesterday"}]`, 1)
	d, err := digest.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "digest: logFiles[1].hashValue: malformed: want 64 hex digits (SHA-256), got 63 characters",
		"digest: logFiles[2].s3Object: missing", `digest: logFiles[3].newestEventTime: malformed: not an RFC 3339 time: "yesterday"`}
	for i, lf := range d.LogFiles {
		got := ""
		if lf.Err != nil {
			got = lf.Err.Error()
		}
		if got != want[i] {
			t.Errorf("entry %d: error %q, want %q", i, got, want[i])
		}
	}
	if !d.IsStart() {
		t.Error("a digest with null previousDigest* fields starts a chain")
	}
}

func TestParseKey(t *testing.T) {
	const acct = "111122223333"
	log := "AWSLogs/" + acct + "/CloudTrail/us-east-1/2026/10/31/" + acct + "_CloudTrail_us-east-1_20261031T0005Z_AbCdEf0123456789.json.gz"
	dig := "AWSLogs/" + acct + "/CloudTrail-Digest/eu-west-1/2026/10/31/" + acct + "_CloudTrail-Digest_eu-west-1_my_trail-1_us-east-1_20261031T010031Z.json.gz"
	tests := []struct {
		in      string
		want    string // "kind prefix|path|org|account|region|time|trail|home|backfill"
		errWant error
	}{
		{log, "log |" + log + "||111122223333|us-east-1|2026-10-31T00:05:00Z|||false", nil},
		{"copy/my/prefix/" + log, "log copy/my/prefix/|" + log + "||111122223333|us-east-1|2026-10-31T00:05:00Z|||false", nil},
		{dig, "digest |" + dig + "||111122223333|eu-west-1|2026-10-31T01:00:31Z|my_trail-1|us-east-1|false", nil},
		{strings.Replace(dig, ".json.gz", "_backfill.json.gz", 1), "digest |" + strings.Replace(dig, ".json.gz", "_backfill.json.gz", 1) + "||111122223333|eu-west-1|2026-10-31T01:00:31Z|my_trail-1|us-east-1|true", nil},
		{strings.Replace(log, "AWSLogs/", "AWSLogs/o-abc123def4/", 1), "log |" + strings.Replace(log, "AWSLogs/", "AWSLogs/o-abc123def4/", 1) + "|o-abc123def4|111122223333|us-east-1|2026-10-31T00:05:00Z|||false", nil},
		{"AWSLogs/" + strings.Replace(log, "AWSLogs/", "AWSLogs/", 1), "log AWSLogs/|" + log + "||111122223333|us-east-1|2026-10-31T00:05:00Z|||false", nil},
		{"AWSLogs/" + acct + "/CloudTrail-Insight/us-east-1/2026/10/31/x.json.gz", "", digest.ErrNotCloudTrail},
		{"reports/credential-report.csv", "", digest.ErrNotCloudTrail},
		{strings.Replace(log, "2026/10/31", "2026/10/30", 1), "", digest.ErrName},
		{strings.Replace(log, "_us-east-1_2026", "_us-west-2_2026", 1), "", digest.ErrName},
		{strings.Replace(log, acct+"_CloudTrail", "210987654321_CloudTrail", 1), "", digest.ErrName},
		{strings.Replace(log, ".json.gz", ".json", 1), "", digest.ErrName},
		{strings.Replace(log, "T0005Z", "T000500Z", 1), "", digest.ErrName},
		{strings.Replace(log, "2026/10/31/", "2026/10/31/extra/", 1), "", digest.ErrName},
		{strings.Replace(dig, "_us-east-1_2026", "_2026", 1), "", digest.ErrName},
	}
	for _, tt := range tests {
		k, err := digest.ParseKey(tt.in)
		if tt.errWant != nil {
			if !errors.Is(err, tt.errWant) {
				t.Errorf("ParseKey(%s): %v, want %v", tt.in, err, tt.errWant)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseKey(%s): %v", tt.in, err)
			continue
		}
		got := fmt.Sprintf("%s %s|%s|%s|%s|%s|%s|%s|%s|%v", k.Kind, k.Prefix, k.Path, k.OrgID, k.Account, k.Region, k.Time.Format(time.RFC3339), k.Trail, k.HomeRegion, k.Backfill)
		if got != tt.want {
			t.Errorf("ParseKey(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
	if got := digest.KeyPath("prefix/AWSLogs/x"); got != "AWSLogs/x" {
		t.Errorf("KeyPath fallback: %s", got)
	}
}
