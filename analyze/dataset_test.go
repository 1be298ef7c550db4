package analyze

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/internal/datasets"
	"github.com/keyaudit/keyaudit/internal/golden"
)

// credentialReportsDir returns the shared credential-report samples, or
// skips the test when they are absent.
func credentialReportsDir(t *testing.T) string { return datasets.Dir(t, "credential-reports") }

// TestSharedDatasets runs every rule over every shared credential report,
// as of the report's generation time (or a fixed date when the report does
// not say), checks the invariants of the output and compares it with a
// golden file.
func TestSharedDatasets(t *testing.T) {
	dir := credentialReportsDir(t)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".json")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	fixed := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var out strings.Builder
	total := 0
	for _, p := range files {
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := credreport.Parse(rel, data)
		if rep == nil {
			fmt.Fprintf(&out, "== %s: not a usable report\n", rel)
			continue
		}
		asOf := rep.GeneratedTime
		if asOf.IsZero() {
			asOf = fixed
		}
		fmt.Fprintf(&out, "== %s as of %s\n", rel, asOf.UTC().Format(time.RFC3339))
		mem := newMem(t)
		keys := credreport.BuildKeyRecord(mem, []*credreport.Report{rep})
		fs, err := EvaluateRecords(DefaultConfig(asOf), []arrow.Record{keys})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		checkInvariants(t, rel, keys, fs)
		rec := FindingsRecord(mem, fs)
		if rec.NumRows() != int64(len(fs)) {
			t.Errorf("%s: findings record has %d rows, want %d", rel, rec.NumRows(), len(fs))
		}
		rec.Release()
		keys.Release()
		for _, f := range fs {
			out.WriteString(fmtFinding(f) + "\n")
		}
		total += len(fs)
	}
	if total == 0 {
		t.Error("no findings in any shared credential report: the rules or the dataset changed")
	}
	got := out.String()
	golden.Check(t, filepath.Join("testdata", "datasets.golden"), []byte(got))
}

func checkInvariants(t *testing.T, file string, keys arrow.Record, fs []Finding) {
	t.Helper()
	v, err := NewKeyView(keys)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	type slotKey struct {
		account, user string
		slot          int
	}
	rows := map[slotKey]Key{}
	for i := 0; i < v.Len(); i++ {
		k := v.Row(i)
		rows[slotKey{k.AccountID, k.User, k.Slot}] = k
	}
	for i, f := range fs {
		if i > 0 && compareFindings(fs[i-1], f) >= 0 {
			t.Errorf("%s: findings %d, %d out of order", file, i-1, i)
		}
		if f.AgeDays < -1 {
			t.Errorf("%s: %s: age %d", file, fmtFinding(f), f.AgeDays)
		}
		if f.KeySlot == 0 {
			if f.KeyStatus != "" || f.AgeDays != -1 {
				t.Errorf("%s: per-user finding with slot data: %s", file, fmtFinding(f))
			}
			if _, ok := rows[slotKey{f.AccountID, f.User, 1}]; !ok {
				t.Errorf("%s: per-user finding for a user without slot 1: %s", file, fmtFinding(f))
			}
			continue
		}
		k, ok := rows[slotKey{f.AccountID, f.User, f.KeySlot}]
		if !ok {
			t.Errorf("%s: finding for a key not in the view: %s", file, fmtFinding(f))
			continue
		}
		if k.IsRoot != (f.Rule == RuleRootAccessKey) {
			t.Errorf("%s: root=%v but rule %s", file, k.IsRoot, f.Rule)
		}
		if f.Rule != RuleRootAccessKey && !k.Active {
			t.Errorf("%s: %s on an inactive key", file, f.Rule)
		}
		if f.KeyStatus != k.Status() || !f.LastRotated.Equal(k.LastRotated) {
			t.Errorf("%s: finding does not carry its key's data: %s", file, fmtFinding(f))
		}
	}
}
