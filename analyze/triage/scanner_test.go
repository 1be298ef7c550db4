package triage

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const leaksDir = "../../testdata/leaks"

func parseFile(t *testing.T, name string) *Report {
	t.Helper()
	f, err := os.Open(filepath.Join(leaksDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := ParseReport(name, f, 0)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// secrets are the fake secrets and tokens of testdata/leaks.
var secrets = []string{"wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOLEAK", "IQoJb3JpZ2luX2VjEDEMOSESSIONTOKEN", "ghp_DEMOTOKEN"}

func checkNoSecret(t *testing.T, rep *Report) {
	t.Helper()
	for _, l := range rep.Leaks {
		for _, s := range secrets {
			for _, v := range []string{l.KeyID, l.File, l.Commit, l.Scanner, l.AccountHint, l.Location()} {
				if strings.Contains(v, s) || strings.Contains(v, s[:12]) {
					t.Errorf("%s: a secret reached a leak: %+v", rep.Name, l)
				}
			}
		}
	}
}

func TestParseGitleaks(t *testing.T) {
	rep := parseFile(t, "gitleaks.json")
	checkNoSecret(t, rep)
	if rep.Format != FormatGitleaks || rep.Ignored != 1 || rep.Redacted != 1 || len(rep.Leaks) != 7 {
		t.Fatalf("format %s, %d leaks, %d ignored, %d redacted", rep.Format, len(rep.Leaks), rep.Ignored, rep.Redacted)
	}
	l := rep.Leaks[0]
	want := Leak{KeyID: "AKIARTX3GSDSXSBWYXCA", Scanner: "gitleaks", File: "deploy/prod.env", Line: 3,
		Commit: "4f2a9c1e7b3d5a8f0e6c2b1d9a7f3e5c8b0d2a4f", Date: time.Date(2026, 10, 15, 9, 12, 44, 0, time.UTC)}
	if l != want {
		t.Errorf("first leak\n got %+v\nwant %+v", l, want)
	}
	if got := l.Location(); got != "deploy/prod.env:3@4f2a9c1e7b3d" {
		t.Errorf("Location() = %q", got)
	}
	p := rep.Leaks[6]
	if !p.Partial || p.KeyID != "AKIA3KF6UTOHQI" {
		t.Errorf("redacted leak: %+v", p)
	}
}

func TestParseTrufflehog(t *testing.T) {
	rep := parseFile(t, "trufflehog.jsonl")
	checkNoSecret(t, rep)
	if rep.Format != FormatTrufflehog || len(rep.Leaks) != 3 || rep.Ignored != 1 {
		t.Fatalf("format %s, %d leaks, %d ignored", rep.Format, len(rep.Leaks), rep.Ignored)
	}
	l := rep.Leaks[0]
	if l.KeyID != "AKIA3KF6UTOH2D6MFEZ4" || !l.Verified || l.AccountHint != "777788889999" || l.Line != 18 ||
		l.File != ".github/workflows/release.yml" || !l.Date.Equal(time.Date(2026, 9, 9, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("first leak: %+v", l)
	}
	if fs := rep.Leaks[2]; fs.File != "/home/dev/backup/.aws/credentials" || fs.Line != 2 || fs.Commit != "" {
		t.Errorf("filesystem leak: %+v", fs)
	}
}

func TestParseSARIF(t *testing.T) {
	rep := parseFile(t, "scan.sarif")
	checkNoSecret(t, rep)
	if rep.Format != FormatSARIF || len(rep.Leaks) != 2 {
		t.Fatalf("format %s, %d leaks", rep.Format, len(rep.Leaks))
	}
	if l := rep.Leaks[1]; l.KeyID != "ASIA6RU73QDQ4RSW23ZS" || l.File != "logs/app.log" || l.Line != 7 || l.Scanner != "detect-secrets-sarif" {
		t.Errorf("second leak: %+v", l)
	}
}

func TestParseGitleaksSARIF(t *testing.T) {
	doc := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gitleaks"}},"results":[
{"ruleId":"aws-access-token","locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.env"},"region":{"startLine":2,"snippet":{"text":"AKIARTX3GSDSXSBWYXCA"}}}}],"partialFingerprints":{"commitSha":"abc","date":"2026-10-01T00:00:00Z"}},
{"ruleId":"aws-secret-key","locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.env"},"region":{"startLine":3,"snippet":{"text":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOLEAK07"}}}}]},
{"ruleId":"aws-access-token","locations":[{"physicalLocation":{"artifactLocation":{"uri":"b.env"},"region":{"startLine":1,"snippet":{"text":"AKIARTX3GSDSXS..."}}}}]}]}]}`
	rep, err := ParseReport("g.sarif", strings.NewReader(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	checkNoSecret(t, rep)
	if rep.Format != FormatGitleaksSARIF || len(rep.Leaks) != 2 || rep.Ignored != 1 {
		t.Fatalf("format %s, %+v, %d ignored", rep.Format, rep.Leaks, rep.Ignored)
	}
	if l := rep.Leaks[0]; l.Commit != "abc" || l.Date.IsZero() || l.Scanner != "gitleaks" {
		t.Errorf("leak: %+v", l)
	}
	if l := rep.Leaks[1]; !l.Partial || l.KeyID != "AKIARTX3GSDSXS" {
		t.Errorf("redacted leak: %+v", l)
	}
}

func TestParseIDList(t *testing.T) {
	rep := parseFile(t, "ids.txt")
	if rep.Format != FormatIDList || len(rep.Leaks) != 3 || rep.Leaks[1].KeyID != "AKIAWO645SY5BG7TTJMI" {
		t.Fatalf("%+v", rep)
	}
	// A key ID inside a longer base64 run (a secret, a token) is not one.
	rep, _ = ParseReport("t", strings.NewReader("x/AKIARTX3GSDSXSBWYXCAQ AKIARTX3GSDSXSBWYXCA+ aAKIARTX3GSDSXSBWYXCA\n'AKIARTX3GSDSXSBWYXCA'"), 0)
	if len(rep.Leaks) != 1 {
		t.Errorf("embedded IDs: %+v", rep.Leaks)
	}
}

func TestParseErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"not gitleaks": `[{"eventName":"x"}]`,
		"cloudtrail":   `{"Records":[{"userIdentity":{"accessKeyId":"AKIARTX3GSDSXSBWYXCA"}}]}`,
		"bad json":     `[{"RuleID": "aws-access-token", "Secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOLEAK08"`,
		"bad tf line":  `{"DetectorName":"AWS","Raw":"AKIARTX3GSDSXSBWYXCA"}` + "\n{\"Raw\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYDEMOLEAK09",
		"wrong type":   `[{"RuleID": "aws-access-token", "Secret": 5}]`,
	} {
		_, err := ParseReport(name, strings.NewReader(doc), 0)
		if !errors.Is(err, ErrReport) {
			t.Errorf("%s: %v, want ErrReport", name, err)
			continue
		}
		if strings.Contains(err.Error(), "wJalr") || strings.Contains(err.Error(), "AKIA") {
			t.Errorf("%s: the error quotes the input: %v", name, err)
		}
	}
	if _, err := ParseReport("big", strings.NewReader(strings.Repeat("x", 100)), 10); !errors.Is(err, ErrReport) {
		t.Errorf("over the size limit: %v", err)
	}
}

func FuzzParseScannerReport(f *testing.F) {
	for _, name := range []string{"gitleaks.json", "trufflehog.jsonl", "scan.sarif", "ids.txt"} {
		data, err := os.ReadFile(filepath.Join(leaksDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"RuleID":"aws-access-token","Secret":"AKIA3KF6UTOH..."}]`))
	f.Add([]byte(`{"runs":[{"tool":{"driver":{"name":"gitleaks"}},"results":[{"ruleId":"aws-access-token","locations":[{}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ParseReport("fuzz", strings.NewReader(string(data)), 1<<20)
		if err != nil {
			if !errors.Is(err, ErrReport) {
				t.Fatalf("error not wrapping ErrReport: %v", err)
			}
			return
		}
		for _, l := range rep.Leaks {
			if l.Partial {
				if len(l.KeyID) < 4 || len(l.KeyID) >= 20 || !isAccessKeyPrefix(l.KeyID[:4]) {
					t.Fatalf("bad partial ID %q", l.KeyID)
				}
				continue
			}
			if !isKeyID(l.KeyID) {
				t.Fatalf("leak with a key ID that is not one: %q", l.KeyID)
			}
			if !strings.Contains(string(data), l.KeyID) {
				t.Fatalf("key ID %q is not in the input", l.KeyID)
			}
			if l.Line < 0 {
				t.Fatalf("line %d", l.Line)
			}
		}
	})
}
