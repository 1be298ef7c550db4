package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "corpus")
	truth := filepath.Join(dir, "truth.csv")
	keys := filepath.Join(dir, "keys.csv")
	stats := filepath.Join(dir, "stats")
	var stderr bytes.Buffer
	err := run([]string{"-out", out, "-events", "500", "-files", "5", "-accounts", "2", "-seed", "3", "-org", "o-abc123",
		"-truth", truth, "-truth-keys", keys, "-stats", stats}, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	for path, prefix := range map[string]string{
		truth: "access_key_id,account_id,issued_by,root_kind,root_principal,root_access_key_id,chain_depth\nASIA",
		keys:  "account_id,user,access_key_id,created,status\n",
		stats: "files=5\nevents=500\n",
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), prefix) {
			t.Errorf("%s starts %.80q, want %.80q", filepath.Base(path), b, prefix)
		}
	}
	logs, _ := filepath.Glob(filepath.Join(out, "AWSLogs", "o-abc123", "*", "CloudTrail", "*", "*", "*", "*", "*.json.gz"))
	if len(logs) != 5 {
		t.Errorf("%d log files under the org prefix, want 5", len(logs))
	}
	if !strings.Contains(stderr.String(), "500 events") {
		t.Errorf("stderr %q lacks the event count", stderr.String())
	}
}

func TestRunErrors(t *testing.T) {
	tests := [][]string{
		{},
		{"-out", t.TempDir(), "-events", "10", "-files", "5"},
		{"-out", t.TempDir(), "-start", "yesterday"},
		{"-out", t.TempDir(), "extra-arg"},
	}
	for _, args := range tests {
		var stderr bytes.Buffer
		if err := run(args, &stderr); err == nil {
			t.Errorf("run(%q): want error", args)
		}
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	truth := filepath.Join(dir, "truth.csv")
	var stderr bytes.Buffer
	if err := run([]string{"-q", "-out", filepath.Join(dir, "c"), "-events", "400", "-files", "4", "-truth", truth}, &stderr); err != nil {
		t.Fatal(err)
	}
	// The truth file itself, read as a sessions CSV, matches exactly.
	var out bytes.Buffer
	if err := compare([]string{"-truth", truth, truth}, &out, &stderr); err != nil {
		t.Fatalf("compare truth with itself: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "(100.00%)") {
		t.Errorf("output %q", out.String())
	}
	// Dropping a row is reported and fails.
	b, _ := os.ReadFile(truth)
	lines := strings.SplitAfter(string(b), "\n")
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte(strings.Join(append(lines[:1], lines[2:]...), "")), 0o644)
	out.Reset()
	if err := compare([]string{"-truth", truth, short}, &out, &stderr); err == nil {
		t.Errorf("compare with a missing row: want error, got %q", out.String())
	}
	if err := compare([]string{"-truth", truth}, &out, &stderr); err == nil {
		t.Error("compare without a sessions file: want error")
	}
	// The key truth compared with itself.
	keys := filepath.Join(dir, "keys.csv")
	if err := run([]string{"-q", "-out", filepath.Join(dir, "c2"), "-events", "400", "-files", "4", "-truth-keys", keys}, &stderr); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := compare([]string{"-truth-keys", keys, keys}, &out, &stderr); err != nil || !strings.Contains(out.String(), "(100.00%)") {
		t.Errorf("compare keys with itself: %v %q", err, out.String())
	}
	if err := compare([]string{"-truth", truth, "-truth-keys", keys, keys}, &out, &stderr); err == nil {
		t.Error("both -truth and -truth-keys: want error")
	}
}
