package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/analyze"
)

// asffRequiredFields are the fields BatchImportFindings requires.
var asffRequiredFields = []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types",
	"CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources"}

// TestASFFDemo checks the ASFF of the demo: every finding of the CSV is
// there with every required field, batches hold at most 100 findings, and
// the Ids are unique and the same in a second run.
func TestASFFDemo(t *testing.T) {
	demo := "../../testdata/demo"
	dir := t.TempDir()
	code, csvOut, stderr := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-f", "csv", demo)
	if code != exitOK {
		t.Fatalf("csv: exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := len(rows) - 1

	var ids [2][]string
	for run := range 2 {
		out := filepath.Join(dir, "run"+string(rune('a'+run))) + "/"
		os.Mkdir(out, 0o755)
		if code, _, stderr := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-f", "asff", "-o", out, demo); code != exitOK {
			t.Fatalf("asff: exit %d: %s", code, stderr)
		}
		files, _ := filepath.Glob(out + "asff-*.json")
		if len(files) == 0 {
			t.Fatal("no batch file")
		}
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			var batch []map[string]any
			if err := json.Unmarshal(b, &batch); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(batch) == 0 || len(batch) > 100 {
				t.Errorf("%s: %d findings, want 1 to 100", name, len(batch))
			}
			for i, f := range batch {
				for _, k := range asffRequiredFields {
					if v, ok := f[k]; !ok || v == nil || v == "" {
						t.Errorf("%s finding %d: no %s", name, i, k)
					}
				}
				if sev, _ := f["Severity"].(map[string]any); sev["Label"] == nil {
					t.Errorf("%s finding %d: no Severity.Label", name, i)
				}
				ids[run] = append(ids[run], f["Id"].(string))
			}
		}
	}
	if len(ids[0]) != want {
		t.Errorf("%d ASFF findings, %d in the CSV", len(ids[0]), want)
	}
	seen := map[string]bool{}
	for i, id := range ids[0] {
		if seen[id] {
			t.Errorf("Id %s twice", id)
		}
		seen[id] = true
		if i >= len(ids[1]) || ids[1][i] != id {
			t.Errorf("finding %d: Id %s, not the same in the second run", i, id)
		}
	}
}

func TestEveryRuleHasRemediation(t *testing.T) {
	for _, id := range allRuleIDs() {
		if r, ok := analyze.RemediationFor(id); !ok || r.Text == "" || len(r.Text) > 512 || r.URL == "" {
			t.Errorf("rule %s: remediation %+v", id, r)
		}
	}
}
