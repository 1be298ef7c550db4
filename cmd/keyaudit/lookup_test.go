package main

import (
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/internal/datasets"
)

// TestLookupWhatKeysLists: trace and whois accept every key ID that keys
// lists, including IDs whose account cannot be decoded (the invictus
// dataset has AKIATFQR7NSC8Q4X20BJ, with an '8'): they say so instead.
func TestLookupWhatKeysLists(t *testing.T) {
	dir := filepath.Join(datasets.Dir(t, "cloudtrail"), "invictus-ir-aws-dataset")
	code, out, stderr := runCLI(t, "", "keys", "--as-of", "2026-11-01", "-q", "-f", "csv", dir)
	if code != exitOK {
		t.Fatalf("keys: exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	var ids []string
	for _, r := range rows[1:] {
		if id := r[col["access_key_id"]]; id != "" {
			ids = append(ids, id)
		}
	}
	if !strings.Contains(strings.Join(ids, " "), "AKIATFQR7NSC8Q4X20BJ") {
		t.Fatalf("keys does not list AKIATFQR7NSC8Q4X20BJ: %v", ids)
	}
	for _, id := range ids {
		code, out, stderr := runCLI(t, "", "trace", "--as-of", "2026-11-01", "-q", id, dir)
		if code != exitOK || !strings.Contains(out, "key "+id) {
			t.Errorf("trace %s: exit %d, stderr %s", id, code, stderr)
		}
		code, out, stderr = runCLI(t, "", "whois", "-q", id, dir)
		if code != exitOK || !strings.Contains(out, "owner:") {
			t.Errorf("whois %s: exit %d, stderr %s\n%s", id, code, stderr, out)
		}
	}
	_, out, _ = runCLI(t, "", "trace", "--as-of", "2026-11-01", "-q", "AKIATFQR7NSC8Q4X20BJ", dir)
	if !strings.Contains(out, "account cannot be decoded (character 13 ('8') is not base32 (A-Z, 2-7))") {
		t.Errorf("trace does not say why the account is not decoded:\n%s", out)
	}
}
