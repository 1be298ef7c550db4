package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/report"
)

// sarifLog is what the tests read back of a SARIF log.
type sarifLog struct {
	Version string `json:"version"`
	Schema  string `json:"$schema"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID   string `json:"id"`
					Help struct {
						Text string `json:"text"`
					} `json:"help"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID  string `json:"ruleId"`
			Level   string `json:"level"`
			Message struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					Name string `json:"name"`
					Kind string `json:"kind"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []struct {
				Kind string `json:"kind"`
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

func readSARIF(t *testing.T, data string) sarifLog {
	t.Helper()
	if err := report.CheckSARIF(strings.NewReader(data)); err != nil {
		t.Fatalf("CheckSARIF: %v", err)
	}
	var l sarifLog
	if err := json.Unmarshal([]byte(data), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAuditSARIF: audit -f sarif writes one result per finding (the CSV's
// rows), a rule with help text per audit rule, error for critical and
// high, logical locations for account, user and key, and the same bytes
// on a second run.
func TestAuditSARIF(t *testing.T) {
	code, out, stderr := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-f", "sarif", demo)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	l := readSARIF(t, out)
	if l.Version != "2.1.0" || l.Schema == "" || len(l.Runs) != 1 || l.Runs[0].Tool.Driver.Name != "keyaudit" {
		t.Fatalf("log header: %+v", l)
	}
	run := l.Runs[0]
	rules := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		rules[r.ID] = true
		if r.Help.Text == "" {
			t.Errorf("rule %s has no help text", r.ID)
		}
	}
	for _, id := range allRuleIDs() {
		if !rules[id] {
			t.Errorf("rule %s missing from tool.driver.rules", id)
		}
	}
	_, csv, _ := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-f", "csv", demo)
	if want := strings.Count(csv, "\n") - 1; len(run.Results) != want {
		t.Errorf("%d results, want %d (the CSV's rows)", len(run.Results), want)
	}
	fps := map[string]bool{}
	for _, r := range run.Results {
		if r.RuleID == "root-access-key" && strings.Contains(r.Message.Text, "111122223333") && r.Level != "error" {
			t.Errorf("active root key: level %q, want error", r.Level)
		}
		loc := r.Locations[0]
		if loc.PhysicalLocation != nil || len(loc.LogicalLocations) == 0 || loc.LogicalLocations[0].Kind != "namespace" {
			t.Errorf("%s: location %+v, want logical locations from the account", r.RuleID, loc)
		}
		fp := r.PartialFingerprints["keyauditFinding/v1"]
		if fp == "" || fps[fp] {
			t.Errorf("%s: fingerprint %q empty or repeated", r.RuleID, fp)
		}
		fps[fp] = true
	}
	_, again, _ := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-f", "sarif", demo)
	if again != out {
		t.Error("a second run wrote other bytes")
	}
}

// TestAuditSARIFFile: -o x.sarif implies -f sarif; muted findings are
// suppressed results; --fail-on still applies.
func TestAuditSARIFFile(t *testing.T) {
	dir := t.TempDir()
	ignore := filepath.Join(dir, "ignore.json")
	os.WriteFile(ignore, []byte(`{"suppressions":[{"rule":"stale-key","account":"111122223333","user":"alice","reason":"ticket SEC-1"}]}`), 0o644)
	out := filepath.Join(dir, "findings.sarif")
	code, _, stderr := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "--ignore", ignore, "--fail-on", "critical", "-o", out, demo)
	if code != exitFindings {
		t.Fatalf("exit %d, want %d: %s", code, exitFindings, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	l := readSARIF(t, string(data))
	muted := 0
	for _, r := range l.Runs[0].Results {
		if len(r.Suppressions) > 0 {
			muted++
			if r.RuleID != "stale-key" || !strings.Contains(r.Message.Text, "alice") {
				t.Errorf("suppressed %s %q", r.RuleID, r.Message.Text)
			}
		}
	}
	if muted != 1 {
		t.Errorf("%d suppressed results, want 1", muted)
	}
	// Commands that do not write SARIF say so, from -f or from -o.
	for _, args := range [][]string{{"keys", "-f", "sarif", demo}, {"keys", "-o", filepath.Join(dir, "k.sarif"), demo}} {
		code, _, stderr := runCLI(t, "", args...)
		if code != exitUsage || !strings.Contains(stderr, "does not write SARIF") {
			t.Errorf("%v: exit %d, %q", args, code, stderr)
		}
	}
}
