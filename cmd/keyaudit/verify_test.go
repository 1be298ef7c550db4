package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixture = "../../verify/testdata/fixture"

// TestVerifyExitCodes: --fail-on-tamper exits 1 exactly when a file is
// neither valid nor consistent; mistakes are exit 2 with one line.
func TestVerifyExitCodes(t *testing.T) {
	bucket := filepath.Join(fixture, "bucket")
	keys := filepath.Join(fixture, "keys.json")
	east := []string{
		filepath.Join(bucket, "cloudtrail/AWSLogs/o-verify1234/111122223333/CloudTrail/us-east-1"),
		filepath.Join(bucket, "cloudtrail/AWSLogs/o-verify1234/111122223333/CloudTrail-Digest/us-east-1"),
	}
	tmp := t.TempDir()
	notJSON := filepath.Join(tmp, "keys.txt")
	os.WriteFile(notJSON, []byte("ssh-rsa AAAA\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string // on stderr, for exit 2
	}{
		{"tampered, no flag", []string{"verify", "-q", "-f", "csv", bucket}, exitOK, ""},
		{"tampered", []string{"verify", "-q", "-f", "csv", "--fail-on-tamper", bucket}, exitFindings, ""},
		{"consistent passes", append([]string{"verify", "-q", "-f", "csv", "--fail-on-tamper"}, east...), exitOK, ""},
		{"valid passes", append([]string{"verify", "-q", "-f", "csv", "--fail-on-tamper", "--public-keys", keys, "--signatures", filepath.Join(fixture, "head-us-east-1.json")}, east...), exitOK, ""},
		{"wrong head signature fails", append([]string{"verify", "-q", "-f", "csv", "--fail-on-tamper", "--public-keys", keys, "--signatures", filepath.Join(fixture, "head-eu-west-1.json")}, east...), exitFindings, ""},
		{"keys not JSON", []string{"verify", "--public-keys", notJSON, bucket}, exitUsage, "--public-keys " + notJSON + ": not the JSON of aws cloudtrail list-public-keys"},
		{"keys missing", []string{"verify", "--public-keys", filepath.Join(tmp, "nope.json"), bucket}, exitUsage, "nope.json: no such file or directory"},
		{"signatures missing", []string{"verify", "--signatures", filepath.Join(tmp, "nope.json"), bucket}, exitUsage, "--signatures " + filepath.Join(tmp, "nope.json") + ": no such file or directory"},
		{"stdin", []string{"verify", "-"}, exitUsage, "not stdin"},
		{"no such path", []string{"verify", "does/not/exist"}, exitUsage, "does/not/exist: no such file or directory"},
		{"bad size", []string{"verify", "--max-file-size", "lots", bucket}, exitUsage, "bad size"},
		{"unknown format", []string{"verify", "-f", "xml", bucket}, exitUsage, `unknown format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.code == exitUsage {
				if !strings.Contains(stderr, tt.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
					t.Errorf("stderr is not one line saying %q:\n%s", tt.want, stderr)
				}
			}
		})
	}
}

// TestVerifyHelp: the help has examples, including how to save what the
// offline check needs.
func TestVerifyHelp(t *testing.T) {
	code, out, _ := runCLI(t, "", "verify", "--help")
	for _, want := range []string{"Examples:", "aws cloudtrail list-public-keys", "aws s3api head-object", "--fail-on-tamper"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("verify --help (exit %d) lacks %q", code, want)
		}
	}
}
