package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/report"
)

const leaks = "../../testdata/leaks"

// Secrets planted in scanner reports: none may reach any output.
var leakSecrets = []string{
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRIAGE0001",          // gitleaks Match of the key's line
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRIAGE0002",          // gitleaks finding of another rule (Secret and Match)
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRIAGE0003",          // trufflehog RawV2
	"IQoJb3JpZ2luX2VjETRIAGESESSIONTOKEN00000000000004", // trufflehog SecretParts session token
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRIAGE0005",          // SARIF snippet next to a key ID
	"IQoJb3JpZ2luX2VjETRIAGESESSIONTOKEN00000000000006", // SARIF message text
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRIAGE0007",          // a line of a pasted ID list
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRIAGE0008",          // gitleaks SARIF snippet of another rule
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYTRIAGE0009",          // in a report that fails to parse
}

func writeLeakReports(t *testing.T, dir string) map[string]string {
	t.Helper()
	s := leakSecrets
	files := map[string]string{
		"gitleaks.json": `[{"RuleID":"aws-access-token","StartLine":3,"Match":"AWS_ACCESS_KEY_ID=AKIARTX3GSDSXSBWYXCA AWS_SECRET_ACCESS_KEY=` + s[0] + `","Secret":"AKIARTX3GSDSXSBWYXCA","File":"prod.env","Commit":"abc","Date":"2026-10-15T00:00:00Z"},` +
			`{"RuleID":"aws-secret-access-key","StartLine":4,"Match":"AWS_SECRET_ACCESS_KEY=` + s[1] + `","Secret":"` + s[1] + `","File":"prod.env","Commit":"abc","Date":"2026-10-15T00:00:00Z"}]`,
		"trufflehog.jsonl": `{"SourceMetadata":{"Data":{"Git":{"commit":"def","file":"ci.yml","line":5,"timestamp":"2026-09-09 22:00:00 +0000 +0000"}}},"DetectorName":"AWS","Verified":true,"Raw":"AKIA3KF6UTOH2D6MFEZ4","RawV2":"AKIA3KF6UTOH2D6MFEZ4` + s[2] + `","Redacted":"AKIA3KF6UTOH2D6MFEZ4","SecretParts":{"key":"AKIA3KF6UTOH2D6MFEZ4","secret":"` + s[2] + `","session_token":"` + s[3] + `"},"ExtraData":{"account":"777788889999"}}` + "\n",
		"other.sarif":      `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"scanner-x"}},"results":[{"ruleId":"aws","message":{"text":"token ` + s[5] + `"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"nb.ipynb"},"region":{"startLine":9,"snippet":{"text":"key=ASIAWO645SY5I76TE4ZN secret=` + s[4] + `"}}}}]}]}]}`,
		"ids.txt":          "AKIATCH6YDSYZCVLFRUW " + s[6] + "\n",
		"gl.sarif": `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gitleaks"}},"results":[{"ruleId":"aws-secret-access-key","message":{"text":"aws-secret-access-key has detected secret"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"x.env"},"region":{"startLine":2,"snippet":{"text":"` + s[7] + `"}}}}]},` +
			`{"ruleId":"aws-access-token","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"x.env"},"region":{"startLine":1,"snippet":{"text":"AKIAWO645SY5BG7TTJMI"}}}}]}]}]}`,
		"broken.json": `[{"RuleID":"aws-access-token","Secret":"` + s[8] + `", "StartLine": x}]`,
	}
	paths := map[string]string{}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// TestTriageSecretsNeverLeave feeds reports holding real-shaped secrets
// (secret access keys, session tokens) to triage and searches every
// output format, stdout and stderr for them.
func TestTriageSecretsNeverLeave(t *testing.T) {
	in := t.TempDir()
	rep := writeLeakReports(t, in)
	out := t.TempDir()
	base := []string{"triage", "--as-of", "2026-11-01", "--report", rep["gitleaks.json"], "--report", rep["trufflehog.jsonl"],
		"--report", rep["other.sarif"], "--report", rep["ids.txt"], "--report", rep["gl.sarif"]}
	var seen bytes.Buffer
	var runs [][]string
	for _, f := range append(report.Formats(), report.FormatSARIF) {
		if report.FindingsOnly(f) {
			continue // audit's findings formats: triage refuses them (TestTriageUsage)
		}
		name := filepath.Join(out, "triage."+f)
		runs = append(runs, append(append([]string(nil), base...), "-f", f, "-o", name, "--stats", name+".stats.json", demo))
		if f != report.FormatParquet {
			runs = append(runs, append(append([]string(nil), base...), "-f", f, demo))
		}
	}
	runs = append(runs, append(append([]string(nil), base...), "--wide", demo), base) // no PATH
	for _, args := range runs {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != exitOK {
			t.Errorf("keyaudit %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		seen.WriteString(stdout)
		seen.WriteString(stderr)
	}
	// A report on stdin, and one that fails to parse.
	data, _ := os.ReadFile(rep["trufflehog.jsonl"])
	code, stdout, stderr := runCLI(t, string(data), "triage", "--as-of", "2026-11-01", "--report", "-", "-f", "json", demo)
	if code != exitOK || !strings.Contains(stdout, "AKIA3KF6UTOH2D6MFEZ4") {
		t.Errorf("--report -: exit %d, %s", code, stderr)
	}
	seen.WriteString(stdout + stderr)
	code, stdout, stderr = runCLI(t, "", "triage", "--report", rep["broken.json"], demo)
	if code != exitUsage {
		t.Errorf("broken report: exit %d", code)
	}
	seen.WriteString(stdout + stderr)
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		seen.Write(b)
		if strings.HasSuffix(p, ".parquet") {
			seen.WriteString(parquetText(t, p))
		}
		return nil
	})
	for _, id := range []string{"AKIARTX3GSDSXSBWYXCA", "AKIA3KF6UTOH2D6MFEZ4", "ASIAWO645SY5I76TE4ZN", "AKIATCH6YDSYZCVLFRUW", "AKIAWO645SY5BG7TTJMI"} {
		if !bytes.Contains(seen.Bytes(), []byte(id)) {
			t.Errorf("key ID %s is in no output: the reports were not read", id)
		}
	}
	for _, s := range leakSecrets {
		if bytes.Contains(seen.Bytes(), []byte(s[:30])) || bytes.Contains(seen.Bytes(), []byte(s[len(s)-12:])) {
			t.Errorf("secret %s…%s leaked into the output", s[:6], s[len(s)-4:])
		}
	}
}

// TestTriageSARIF: a result on each leaked line, the verdict as rule and
// level, the structure SARIF 2.1.0 requires, the same bytes twice.
func TestTriageSARIF(t *testing.T) {
	args := []string{"triage", "-q", "--as-of", "2026-11-01", "--report", leaks + "/gitleaks.json", "--report", leaks + "/ids.txt", "-f", "sarif", demo}
	code, out, stderr := runCLI(t, "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	l := readSARIF(t, out)
	levels := map[string]string{"rotate-now": "error", "check-use": "warning", "unknown": "note", "contained": "note", "not-ours": "note"}
	var onLine, logical int
	for _, r := range l.Runs[0].Results {
		if levels[r.RuleID] != r.Level {
			t.Errorf("%s: level %q", r.RuleID, r.Level)
		}
		if p := r.Locations[0].PhysicalLocation; p != nil {
			onLine++
			if p.ArtifactLocation.URI == "deploy/prod.env" && (r.RuleID != "rotate-now" || p.Region == nil || p.Region.StartLine != 3) {
				t.Errorf("root key leak: %+v %+v", r.RuleID, p)
			}
		} else {
			logical++
		}
		if r.PartialFingerprints["keyauditLeak/v1"] == "" {
			t.Errorf("%s: no fingerprint", r.RuleID)
		}
	}
	// 7 lines of gitleaks.json (its aws-access-token findings but the one
	// redacted entirely); heidi's and the GitHub Actions key of ids.txt,
	// which names no file (the root key of ids.txt is on gitleaks' line).
	if onLine != 7 || logical != 2 {
		t.Errorf("%d results on a line, %d logical, want 7 and 2", onLine, logical)
	}
	if _, again, _ := runCLI(t, "", args...); again != out {
		t.Error("a second run wrote other bytes")
	}
}

func TestTriageUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"triage", demo}, "no --report given"},
		{[]string{"triage", "--report", "-", "-"}, "stdin) given more than once"},
		{[]string{"triage", "--report", leaks + "/gitleaks.json", "--fail-on", "rotate", demo}, `--fail-on: unknown verdict "rotate"`},
		{[]string{"triage", "--report", "nope.json", demo}, "--report: open nope.json"},
		{[]string{"triage", "--report", demo + "/reports/prod-111122223333.csv", demo}, ""}, // a CSV is text: no key IDs, fine
		{[]string{"triage", "--report", leaks + "/gitleaks.json", "-o", leaks + "/gitleaks.json", demo}, "gitleaks.json"},
	} {
		code, _, stderr := runCLI(t, "", tt.args...)
		if tt.want == "" {
			if code != exitOK {
				t.Errorf("%v: exit %d: %s", tt.args, code, stderr)
			}
			continue
		}
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, code, stderr, tt.want)
		}
	}
}
