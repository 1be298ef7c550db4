package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/internal/golden"
	"github.com/keyaudit/keyaudit/internal/ocsfschema"
)

// TestOCSFDemo validates every OCSF event the demo produces against the
// OCSF 1.8.0 schema source: plain, muted by suppressions, and compared with
// the baseline (new, unchanged and resolved). The baseline run is also a
// golden file, the product version replaced by VERSION.
func TestOCSFDemo(t *testing.T) {
	schema, err := ocsfschema.Load(ocsfschema.Dir())
	if err != nil {
		t.Fatal(err)
	}
	ignore := filepath.Join(t.TempDir(), "ignore.json")
	os.WriteFile(ignore, []byte(`{"suppressions":[{"rule":"stale-key","user":"alice","reason":"SEC-142"}]}`), 0o644)
	baseline := "../../testdata/baseline/demo-2026-10-01.json"
	runs := map[string][]string{
		"plain":    {"audit", "-q", "--as-of", "2026-11-01", "-f", "ocsf", demo},
		"muted":    {"audit", "-q", "--as-of", "2026-11-01", "-f", "ocsf", "--ignore", ignore, demo},
		"baseline": {"audit", "-q", "--as-of", "2026-11-01", "-f", "ocsf", "--baseline", baseline, demo},
	}
	for name, args := range runs {
		t.Run(name, func(t *testing.T) {
			code, out, stderr := runCLI(t, "", args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			want := map[string]int{"plain": 18, "muted": 18, "baseline": 19}[name]
			if len(lines) != want {
				t.Fatalf("%d events, want %d", len(lines), want)
			}
			statuses := map[string]int{}
			for i, l := range lines {
				for _, e := range schema.Validate("compliance_finding", []byte(l)) {
					t.Errorf("event %d: %v", i+1, e)
				}
				var ev struct{ Status string }
				json.Unmarshal([]byte(l), &ev)
				statuses[ev.Status]++
			}
			switch name {
			case "muted":
				if statuses["Suppressed"] != 1 {
					t.Errorf("statuses %v, want one Suppressed", statuses)
				}
			case "baseline":
				if statuses["Resolved"] != 1 || statuses["New"] != 18 {
					t.Errorf("statuses %v, want 1 Resolved, 18 New", statuses)
				}
				v, _ := json.Marshal(productVersion())
				golden.CheckString(t, "testdata/ocsf-baseline.golden.jsonl", strings.ReplaceAll(out, string(v), `"VERSION"`))
			}
		})
	}
}

// TestOCSFVersion: metadata.product.version is the version keyaudit
// --version prints.
func TestOCSFVersion(t *testing.T) {
	_, out, _ := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-f", "ocsf", demo)
	_, version, _ := runCLI(t, "", "--version")
	var ev struct {
		Metadata struct {
			Product struct{ Name, Version string }
		}
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if got := ev.Metadata.Product.Name + " " + ev.Metadata.Product.Version; got+"\n" != version {
		t.Errorf("product %q, --version %q", got, version)
	}
}
