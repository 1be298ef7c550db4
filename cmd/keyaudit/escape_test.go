package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostile is log text that would act on a terminal written raw: SGR
// colour, BEL, CR, NUL, a newline (a forged line), a C1 CSI (U+009B) and
// a right-to-left override.
const hostile = "\x1b[31mX\x07Y\rZ\x00W\nV\u009b2J\u202eU"

// hostileEscaped is how it must be shown.
const hostileEscaped = `\x1b[31mX\x07Y\rZ\x00W\nV\u009b2J\u202eU`

// rawControl returns the first character of s, other than newline, that a
// terminal would act on.
func rawControl(s string) (rune, bool) {
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)) {
			return r, true
		}
	}
	return 0, false
}

// hostileLogs writes CloudTrail events whose user name, user agent, source
// IP and role session name are hostile: a long-term key that assumes a
// role, and the temporary key then used.
func hostileLogs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	user := map[string]any{"type": "IAMUser", "accountId": "111122223333", "accessKeyId": "AKIARTX3GSDSVHGUXWVT",
		"arn": "arn:aws:iam::111122223333:user/" + hostile, "userName": hostile}
	events := []map[string]any{
		{"eventVersion": "1.09", "eventTime": "2026-10-27T09:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
			"awsRegion": "us-east-1", "eventID": "e1", "recipientAccountId": "111122223333", "sourceIPAddress": hostile,
			"userAgent": hostile, "userIdentity": user},
		{"eventVersion": "1.09", "eventTime": "2026-10-27T10:00:00Z", "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
			"awsRegion": "us-east-1", "eventID": "e2", "recipientAccountId": "444455556666", "sourceIPAddress": "198.51.100.10",
			"userAgent": hostile, "userIdentity": user,
			"requestParameters": map[string]any{"roleArn": "arn:aws:iam::444455556666:role/deploy", "roleSessionName": hostile},
			"responseElements": map[string]any{
				"assumedRoleUser": map[string]any{"arn": "arn:aws:sts::444455556666:assumed-role/deploy/" + hostile},
				"credentials":     map[string]any{"accessKeyId": "ASIAWO645SY5DKQ6NEQV", "expiration": "Oct 27, 2026 11:00:00 AM"}}},
		{"eventVersion": "1.09", "eventTime": "2026-10-27T10:01:00Z", "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
			"awsRegion": "us-east-1", "eventID": "e3", "recipientAccountId": "444455556666", "sourceIPAddress": hostile, "userAgent": hostile,
			"userIdentity": map[string]any{"type": "AssumedRole", "accountId": "444455556666", "accessKeyId": "ASIAWO645SY5DKQ6NEQV",
				"arn": "arn:aws:sts::444455556666:assumed-role/deploy/" + hostile}},
	}
	var lines []string
	for _, ev := range events {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTextEscapesControls: trace, whois and the tables show hostile log
// text escaped, never raw; JSON and CSV keep it exactly.
func TestTextEscapesControls(t *testing.T) {
	dir := hostileLogs(t)
	for _, args := range [][]string{
		{"trace", "AKIARTX3GSDSVHGUXWVT"},
		{"trace", "ASIAWO645SY5DKQ6NEQV"},
		{"whois", "AKIARTX3GSDSVHGUXWVT", "ASIAWO645SY5DKQ6NEQV"},
		{"keys"},
		{"sessions", "--wide"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, stderr := runCLI(t, "", append(args, "-q", dir)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if r, ok := rawControl(out); ok {
				t.Errorf("raw %U written:\n%q", r, out)
			}
			if !strings.Contains(out, hostileEscaped) {
				t.Errorf("hostile text not shown escaped:\n%s", out)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		_, out, _ := runCLI(t, "", "trace", "-q", "-f", "json", "ASIAWO645SY5DKQ6NEQV", dir)
		want, _ := json.Marshal(hostile)
		if !strings.Contains(out, strings.Trim(string(want), `"`)) {
			t.Errorf("JSON does not carry the exact text %s:\n%s", want, out)
		}
	})
	t.Run("csv", func(t *testing.T) {
		_, out, _ := runCLI(t, "", "keys", "-q", "-f", "csv", dir)
		if !strings.Contains(out, `"`+strings.ReplaceAll(hostile, `"`, `""`)+`"`) {
			t.Errorf("CSV does not carry the exact text:\n%q", out)
		}
	})
}

// TestStderrEscapesControls: input errors and the input summary name
// files and quote log text escaped.
func TestStderrEscapesControls(t *testing.T) {
	dir := t.TempDir()
	name := "bad\x1b[31m\x07\r\n\u009b\u202e"
	os.WriteFile(filepath.Join(dir, name+".json"), []byte(`{"Records":[{"eventTime":"`+strings.ReplaceAll(hostile, "\n", `\n`)+`","eventID":"x","eventName":"A"}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, name+".txt"), []byte("not an input\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "report.csv"), []byte(goodReport), 0o644)
	_, _, stderr := runCLI(t, "", "keys", "-f", "csv", dir)
	if r, ok := rawControl(stderr); ok {
		t.Errorf("raw %U on stderr:\n%q", r, stderr)
	}
	for _, want := range []string{`bad\x1b[31m\x07\r\n\u009b\u202e.json`, `skipped 1 file (unknown: not a credential report, credentials file or CloudTrail JSON): ` + dir + `/bad\x1b[31m\x07\r\n\u009b\u202e.txt`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not show %s:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "\n"); n != len(strings.Split(strings.TrimSpace(stderr), "\n")) {
		t.Errorf("a file name broke a line:\n%s", stderr)
	}
}
