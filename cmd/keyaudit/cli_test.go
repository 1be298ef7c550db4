package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const demo = "../../testdata/demo"

// runCLI runs keyaudit in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	tmp := t.TempDir()
	empty := filepath.Join(tmp, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("not an input\n"), 0o644)
	readonly := filepath.Join(tmp, "ro")
	os.MkdirAll(readonly, 0o555)
	tests := []struct {
		name string
		args []string
		want string // on stderr
	}{
		{"unknown flag", []string{"audit", "--no-such-flag", demo}, "unknown flag: --no-such-flag"},
		{"bad as-of", []string{"audit", "--as-of", "yesterday", demo}, `bad --as-of "yesterday": use YYYY-MM-DD`},
		{"missing path", []string{"audit", "does/not/exist"}, "does/not/exist: no such file or directory"},
		{"unknown format", []string{"audit", "-f", "xml", demo}, `unknown format "xml"`},
		{"unknown rule", []string{"audit", "--skip-rule", "no-such-rule", demo}, "unknown rule"},
		{"bad severity", []string{"audit", "--fail-on", "severe", demo}, "unknown severity"},
		{"no path", []string{"audit"}, "no PATH given"},
		{"bad max age", []string{"audit", "--max-key-age", "soon", demo}, "invalid argument"},
		{"output dir missing", []string{"audit", "-f", "csv", "-o", filepath.Join(tmp, "nodir", "sub", "f.csv"), demo}, "nodir"},
		{"nothing to audit", []string{"audit", empty}, "nothing to audit"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate": see 'keyaudit --help' for the commands`},
		{"misspelt command", []string{"audti"}, `unknown command "audti": did you mean audit? (see 'keyaudit --help' for the commands)`},
		{"trace without path", []string{"trace", "ASIAY34FZKBOKMUTVV7A"}, "keyaudit trace needs a key ID and at least one PATH (see 'keyaudit trace --help')"},
		{"whois without args", []string{"whois"}, "keyaudit whois needs at least one key ID"},
		{"version with args", []string{"version", "now"}, `keyaudit version takes no arguments, got "now"`},
		{"whois without key", []string{"whois", demo}, "no key ID"},
		{"trace two keys", []string{"trace", "ASIAY34FZKBOKMUTVV7A", "AKIAY34FZKBOKMUTVV7A", demo}, "exactly one key"},
		{"export without dir", []string{"export", demo}, "needs -o DIR"},
		{"unknown compression", []string{"export", "-o", filepath.Join(tmp, "x"), "--compression", "lzo", demo}, `unknown --compression "lzo": use snappy or zstd`},
		{"bad size", []string{"audit", "--max-file-size", "lots", demo}, "bad size"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"unwritable output dir", []string{"audit", "-f", "csv", "-o", filepath.Join(readonly, "f.csv"), demo}, "not writable"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tt.args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr does not say %q:\n%s", tt.want, stderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 && tt.name != "nothing to audit" {
				t.Errorf("want one line on stderr, got %d:\n%s", n+1, stderr)
			}
		})
	}
}

// TestParquetToTerminal: a user who forgets -o gets a clear refusal, not
// binary on their screen.
func TestParquetToTerminal(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, stdoutTTY: true}
	root := newRootCmd(e)
	root.SetArgs([]string{"audit", "-f", "parquet", demo})
	code := exitCode(root.Execute(), &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "will not write Parquet to a terminal") {
		t.Fatalf("code %d, stderr %q", code, errb.String())
	}
	if out.Len() != 0 {
		t.Fatalf("wrote %d bytes to the terminal", out.Len())
	}
}

func TestFailOn(t *testing.T) {
	code, _, stderr := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "--fail-on", "critical", "-f", "csv", demo)
	if code != exitFindings {
		t.Fatalf("--fail-on critical over the demo (a root key is active): exit %d, want 1; stderr %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "--fail-on", "critical", "--skip-rule", "root-access-key", "-f", "csv", demo)
	if code != exitOK {
		t.Fatalf("with root-access-key skipped: exit %d, want 0; stderr %s", code, stderr)
	}
}
