package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// hostileAccounts are recipientAccountId values that must never become a
// path: traversal, absolute paths, separators, NUL, newline, = and very
// long values. Each goes to the default partition.
var hostileAccounts = []string{
	"x/../../../../pt2-evil", "/etc", "..", ".", "../..", "a=b/c", "12345678901/", "1234567890123",
	"12345678901\n", "1234567890\x0012", "account_id=123456789012", `..\..\evil`, strings.Repeat("9", 5000),
	"１２３４５６７８９０１２", // full-width digits are not ASCII digits
}

// TestExportPartitionHostile: export --partition keeps every write inside
// the output directory whatever the records hold, routes values that are
// not account IDs or dates to Hive's default partition and says how many
// went there, and replaces symlinks planted in the output directory
// instead of writing through them.
func TestExportPartitionHostile(t *testing.T) {
	base := t.TempDir()
	in, out, outside := filepath.Join(base, "in"), filepath.Join(base, "out"), filepath.Join(base, "outside")
	for _, d := range []string{in, out, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var recs []any
	day := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	for i, a := range hostileAccounts {
		e := event("hostile-"+strings.Repeat("x", i), day)
		e["recipientAccountId"] = a
		recs = append(recs, e)
	}
	good := event("good", day)
	recs = append(recs, good)
	noAcct := event("none", day)
	delete(noAcct, "recipientAccountId")
	recs = append(recs, noAcct)
	b, _ := json.Marshal(map[string]any{"Records": recs})
	if err := os.WriteFile(filepath.Join(in, "trail.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Symlinks planted where the export writes, pointing outside.
	secret := filepath.Join(outside, "keep.txt")
	os.WriteFile(secret, []byte("untouched"), 0o644)
	if err := os.Symlink(outside, filepath.Join(out, "events")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(out, "keys.parquet")); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := runCLI(t, "", "export", "--partition", "-o", out, in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"export: 1 event without recipientAccountId went to account_id=__HIVE_DEFAULT_PARTITION__",
		"export: 14 events whose recipientAccountId is not a 12-digit account ID went to account_id=__HIVE_DEFAULT_PARTITION__",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// Every file is where it belongs, and nothing else exists.
	var files []string
	filepath.Walk(base, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(base, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	want := map[string]bool{
		"in/trail.json": true, "outside/keep.txt": true,
		"out/events/account_id=123456789012/date=2026-10-01/part-0.parquet":               true,
		"out/events/account_id=__HIVE_DEFAULT_PARTITION__/date=2026-10-01/part-0.parquet": true,
		"out/credentials.parquet": true, "out/keys.parquet": true, "out/rotation.parquet": true, "out/sessions.parquet": true, "out/findings.parquet": true,
	}
	for _, f := range files {
		if !want[f] {
			t.Errorf("unexpected file %s", f)
		}
		delete(want, f)
	}
	for f := range want {
		t.Errorf("missing file %s", f)
	}
	if got, _ := os.ReadFile(secret); string(got) != "untouched" {
		t.Errorf("the symlink target outside the output was written: %q", got)
	}
	for _, n := range []string{"events", "keys.parquet"} {
		if fi, err := os.Lstat(filepath.Join(out, n)); err != nil || fi.Mode()&os.ModeSymlink != 0 {
			t.Errorf("%s is still the planted symlink (%v)", n, err)
		}
	}
	rows := map[string]exportedEvent{}
	readEvents(t, filepath.Join(out, "events", "account_id=__HIVE_DEFAULT_PARTITION__", "date=2026-10-01", "part-0.parquet"), rows)
	if len(rows) != len(hostileAccounts)+1 {
		t.Errorf("default partition holds %d events, want %d", len(rows), len(hostileAccounts)+1)
	}
	for id, e := range rows {
		if id == "hostile-" && e.account != hostileAccounts[0] {
			t.Errorf("the default partition lost the real recipientAccountId: %q", e.account)
		}
	}
}

// FuzzPartitionPath: whatever the account value and day, the partition
// directory is two local components, each validated, and a file joined
// under it stays inside the root.
func FuzzPartitionPath(f *testing.F) {
	for _, a := range hostileAccounts {
		f.Add(a, true, int64(20000))
	}
	f.Add("123456789012", true, int64(-800000))
	f.Add("", false, int64(3000000))
	f.Fuzz(func(t *testing.T, account string, valid bool, day int64) {
		if day > 1<<40 || day < -(1<<40) {
			day %= 1 << 40 // time.Unix overflows past this; eventTime is milliseconds anyway
		}
		var k partKey
		k.account, _ = accountPart(account, valid)
		k.date = datePart(day)
		dir := k.path()
		if !filepath.IsLocal(dir) {
			t.Fatalf("partition %q is not local", dir)
		}
		parts := strings.Split(dir, "/")
		if len(parts) != 2 || !strings.HasPrefix(parts[0], "account_id=") || !strings.HasPrefix(parts[1], "date=") {
			t.Fatalf("partition %q is not account_id=A/date=D", dir)
		}
		a := strings.TrimPrefix(parts[0], "account_id=")
		if a != hiveDefaultPartition && (!keyid.IsAccountID(a) || a != account) {
			t.Fatalf("account value %q from %q", a, account)
		}
		if d := strings.TrimPrefix(parts[1], "date="); d != hiveDefaultPartition && !dateRe.MatchString(d) {
			t.Fatalf("date value %q", d)
		}
		root := "/srv/out/events"
		p := filepath.Join(root, dir, "part-0.parquet")
		if !strings.HasPrefix(p, root+"/") {
			t.Fatalf("%s escapes %s", p, root)
		}
	})
}
