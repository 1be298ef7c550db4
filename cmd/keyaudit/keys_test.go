package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestKeysListsEverySlot: keys lists as many keys of the report accounts as
// audit counts in the credential reports (every existing slot, with an
// empty access_key_id where CloudTrail ties none to it), the same rows in
// CSV and JSON; and the IDs of a credentials file, marked as such, which
// whois then knows too.
func TestKeysListsEverySlot(t *testing.T) {
	const fileKey = "AKIARTX3GSDSZZZZZZZ2" // decodes to 111122223333; in no log
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[ops]\naws_access_key_id = "+fileKey+"\naws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY99\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCLI(t, "", "audit", "--as-of", "2026-11-01", demo)
	m := regexp.MustCompile(`scanned: 3 accounts \(3 with a credential report\), \d+ users, (\d+) keys`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no key count in the audit summary:\n%s", out)
	}
	reportKeys, _ := strconv.Atoi(m[1])

	code, out, stderr := runCLI(t, "", "keys", "--as-of", "2026-11-01", "-q", "-f", "csv", demo, creds)
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
	inReports, noID, fromFile := 0, 0, 0
	for _, r := range rows[1:] {
		src := r[col["source"]]
		if strings.Contains(src, "credential-report") {
			inReports++
		}
		if r[col["access_key_id"]] == "" {
			noID++
			if src != "credential-report" || r[col["key_slot"]] == "unknown" {
				t.Errorf("a row without key ID is not a report slot: %v", r)
			}
		}
		if r[col["access_key_id"]] == fileKey {
			fromFile++
			if src != "credentials-file" || r[col["account_id"]] != "111122223333" {
				t.Errorf("credentials-file key row: %v", r)
			}
		}
	}
	if inReports != reportKeys || noID == 0 || fromFile != 1 {
		t.Errorf("keys lists %d report slots (%d without key ID) and the credentials-file key %d times; audit counts %d keys",
			inReports, noID, fromFile, reportKeys)
	}

	_, jout, _ := runCLI(t, "", "keys", "--as-of", "2026-11-01", "-q", "-f", "json", demo, creds)
	var doc []map[string]any
	if err := json.NewDecoder(bytes.NewReader([]byte(jout))).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != len(rows)-1 {
		t.Errorf("JSON has %d keys, CSV %d", len(doc), len(rows)-1)
	}

	code, out, stderr = runCLI(t, "", "whois", "-q", fileKey, demo, creds)
	if code != exitOK || !strings.Contains(out, "source:") || !strings.Contains(out, "credentials-file") {
		t.Errorf("whois %s: exit %d %s\n%s", fileKey, code, stderr, out)
	}
}
