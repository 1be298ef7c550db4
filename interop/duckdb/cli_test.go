package duckdb

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/facts"
)

// keyauditBin is the keyaudit binary TestMain builds (the main module is
// cgo-free: only this module links DuckDB).
var keyauditBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "keyaudit-interop-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		keyauditBin = filepath.Join(dir, "keyaudit")
		build := exec.Command("go", "build", "-o", keyauditBin, "./cmd/keyaudit")
		build.Dir = "../.."
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build ./cmd/keyaudit: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// cliEnv is the environment of every keyaudit run: no fact cache.
func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KEYAUDIT_") {
			env = append(env, kv)
		}
	}
	return env
}

// keyaudit runs the binary and fails the test unless it exits 0.
func keyaudit(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(keyauditBin, args...)
	cmd.Env = cliEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("keyaudit %s: %v\n%s", clipArgs(args), err, stderr.Bytes())
	}
}

// clipArgs shortens a long argument list (thousands of files) for messages.
func clipArgs(args []string) string {
	if len(args) > 12 {
		return strings.Join(args[:12], " ") + fmt.Sprintf(" … (%d more)", len(args)-12)
	}
	return strings.Join(args, " ")
}

// stage2 are the commands whose CSV must not depend on where the facts
// come from.
var stage2 = []string{"audit", "keys", "rotation", "sessions"}

// csvs runs every stage2 command with inputs (logs, or --facts DIR… and
// credential reports) and returns command → CSV bytes.
func csvs(t *testing.T, inputs []string) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	out := map[string][]byte{}
	for _, c := range stage2 {
		file := filepath.Join(dir, c+".csv")
		keyaudit(t, append([]string{c, "-q", "--as-of", "2026-11-01", "-f", "csv", "-o", file}, inputs...)...)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out[c] = b
	}
	return out
}

// sameCSV compares got with want command by command, bytes for bytes, and
// prints a unified diff of each difference. It reports whether all agree.
func sameCSV(t *testing.T, what string, want, got map[string][]byte) bool {
	t.Helper()
	ok := true
	for _, c := range stage2 {
		if bytes.Equal(want[c], got[c]) {
			continue
		}
		ok = false
		t.Errorf("%s: keyaudit %s CSV differs from the native path:\n%s", what, c, unified(t, c, want[c], got[c]))
	}
	return ok
}

// unified is diff -u of want and got, or the first differing line when
// diff is not installed.
func unified(t *testing.T, name string, want, got []byte) string {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "native-"+name+".csv"), filepath.Join(dir, "facts-"+name+".csv")
	if os.WriteFile(a, want, 0o644) != nil || os.WriteFile(b, got, 0o644) != nil {
		t.Fatal("cannot write the diff inputs")
	}
	out, err := exec.Command("diff", "-u", a, b).CombinedOutput()
	if _, missing := err.(*exec.ExitError); err == nil || missing {
		return string(out)
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range min(len(wl), len(gl)) {
		if wl[i] != gl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, wl[i], gl[i])
		}
	}
	return fmt.Sprintf("%d lines, %d lines", len(wl), len(gl))
}

// duckFacts renders the duckdb script with keyaudit sql over files (the
// extra flags scope it), runs it in a fresh DuckDB and returns the fact
// set's directory, its tables checked, and the wall time of the run.
func duckFacts(t *testing.T, files []string, flags ...string) (string, time.Duration) {
	t.Helper()
	out := t.TempDir()
	script := filepath.Join(t.TempDir(), "facts.sql")
	args := []string{"sql", "--engine", "duckdb", "--out-location", out, "-o", script}
	for _, f := range files {
		args = append(args, "--source", f)
	}
	keyaudit(t, append(args, flags...)...)
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	start := time.Now()
	run(t, db, string(b))
	took := time.Since(start)
	checkTables(t, db, out, nil)
	return out, took
}

// span is what a fact set holds: its recipient accounts (sorted, "" for
// events without one) and the UTC days of its first and last event.
type span struct {
	accounts    []string
	first, last time.Time
}

func spanOf(t *testing.T, dir string) span {
	t.Helper()
	db := openDB(t)
	file := filepath.Join(dir, facts.EventAccounts.String()+".parquet")
	var s span
	var lo, hi sql.NullInt64
	if err := db.QueryRow("SELECT min(first_time), max(last_time) FROM read_parquet('"+file+"')").Scan(&lo, &hi); err != nil {
		t.Fatal(err)
	}
	if !lo.Valid {
		t.Fatalf("%s: no events", dir)
	}
	s.first = time.UnixMilli(lo.Int64).UTC().Truncate(24 * time.Hour)
	s.last = time.UnixMilli(hi.Int64).UTC().Truncate(24 * time.Hour)
	rows, err := db.Query("SELECT DISTINCT coalesce(recipient_account_id, '') FROM read_parquet('" + file + "') ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		s.accounts = append(s.accounts, a)
	}
	return s
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// corpus is one set of S3 delivery files (and credential reports).
type corpus struct {
	name    string
	logs    []string // the delivery files, given to both paths
	reports []string // credential reports, given to both paths
}

// parity checks the Done-when on c: stage 2's CSV from the logs
// equals, byte for byte, the CSV from --facts on the duckdb script's
// output; and --facts A --facts B, the script run over disjoint halves
// (by day, then by recipient account), equals the whole. It returns the
// native CSV and the time DuckDB took over the whole corpus.
func parity(t *testing.T, c corpus) (map[string][]byte, time.Duration) {
	t.Helper()
	native := csvs(t, append(slices.Clone(c.logs), c.reports...))
	var lines []string
	for _, cmd := range stage2 {
		lines = append(lines, fmt.Sprintf("%s %d", cmd, bytes.Count(native[cmd], []byte("\n"))))
	}
	t.Logf("%s: native CSV lines (header included): %s", c.name, strings.Join(lines, ", "))
	whole, took := duckFacts(t, c.logs)
	t.Logf("%s: DuckDB produced the facts of %d delivery files in %v", c.name, len(c.logs), took.Round(time.Millisecond))
	withFacts := func(dirs ...string) map[string][]byte {
		var args []string
		for _, d := range dirs {
			args = append(args, "--facts", d)
		}
		return csvs(t, append(args, c.reports...))
	}
	if !sameCSV(t, c.name+" --facts duckdb", native, withFacts(whole)) {
		// Say which facts differ: the CSV diff shows only the symptom.
		compare(t, c.name+" facts", nativeFacts(t, c.logs), sqlFacts(t, openDB(t), whole))
	}

	s := spanOf(t, whole)
	days := int(s.last.Sub(s.first)/(24*time.Hour)) + 1
	mid := s.first.AddDate(0, 0, (days+1)/2).Format(time.DateOnly)
	if days == 1 {
		t.Logf("%s: one day (%s): the day split is the whole and an empty set", c.name, s.first.Format(time.DateOnly))
	}
	t.Logf("%s: %d days from %s; split at %s; recipient accounts %q", c.name, days, s.first.Format(time.DateOnly), mid, s.accounts)
	a, _ := duckFacts(t, c.logs, "--to", mid)
	b, _ := duckFacts(t, c.logs, "--from", mid)
	sameCSV(t, c.name+" --facts [,"+mid+") --facts ["+mid+",)", native, withFacts(a, b))

	switch {
	case slices.Contains(s.accounts, ""):
		// --accounts keeps only the events of the accounts it names.
		t.Logf("%s: events without a recipientAccountId: no account split", c.name)
	case slices.ContainsFunc(s.accounts, func(a string) bool { return !accountID.MatchString(a) }):
		// keyaudit sql takes 12-digit IDs only (the fixtures have placeholders).
		t.Logf("%s: recipient accounts that are not 12-digit IDs: no account split", c.name)
	case len(s.accounts) < 2:
		t.Logf("%s: one recipient account (%s): no account split", c.name, strings.Join(s.accounts, ","))
	default:
		h := len(s.accounts) / 2
		lo, hi := strings.Join(s.accounts[:h], ","), strings.Join(s.accounts[h:], ",")
		a, _ := duckFacts(t, c.logs, "--accounts", lo)
		b, _ := duckFacts(t, c.logs, "--accounts", hi)
		sameCSV(t, c.name+" --facts accounts "+lo+" --facts accounts "+hi, native, withFacts(a, b))
	}
	return native, took
}

// TestCLIParityDemo: the demo's delivery files (the lookup-events and
// JSON-lines exports have no SQL path, so neither side reads them) and its
// credential reports.
func TestCLIParityDemo(t *testing.T) {
	native, _ := parity(t, corpus{name: "demo", logs: deliveryFiles(t, demo), reports: []string{demo + "/reports"}})
	if n := bytes.Count(native["audit"], []byte("\n")); n < 2 {
		t.Errorf("the demo's audit CSV has %d lines: the comparison proves nothing", n)
	}
}

// TestCLIParityAthenaDemo: the athena text, run in DuckDB through the
// shims over the demo, gives the native CSV too.
func TestCLIParityAthenaDemo(t *testing.T) {
	files := deliveryFiles(t, demo)
	reports := []string{demo + "/reports"}
	native := csvs(t, append(slices.Clone(files), reports...))
	script := filepath.Join(t.TempDir(), "facts.sql")
	keyaudit(t, "sql", "--engine", "athena", "--out-location", "s3://unused/facts/", "-o", script)
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	athenaFacts(t, openDB(t), string(b), files, out)
	sameCSV(t, "demo --facts athena-in-duckdb", native, csvs(t, append([]string{"--facts", out}, reports...)))
}

// datasets are the shared datasets whose files are S3 delivery files
// (docs in each SOURCES.md): the real trails of grycap-cloudtrail-tracker
// and invictus-ir-aws-dataset. traildiscover-logexamples holds bare events
// and arrays (no Records), and the processing library's fixtures include
// invalid JSON, which fails DuckDB's whole query where ingest keeps the
// events before the error (docs/FACTS.md §12); their other files are a
// third corpus.
const datasets = "/work/shared/datasets/cloudtrail"

func TestCLIParityDatasets(t *testing.T) {
	for _, name := range []string{"grycap-cloudtrail-tracker", "invictus-ir-aws-dataset", "aws-cloudtrail-processing-library-fixtures"} {
		t.Run(name, func(t *testing.T) {
			root := filepath.Join(datasets, name)
			if _, err := os.Stat(root); err != nil {
				t.Skipf("dataset %s absent: %v", root, err)
			}
			files := deliveryFiles(t, root)
			files = slices.DeleteFunc(files, func(f string) bool {
				return filepath.Base(f) == "SerializerTestFileBadJsonFormat.json" // a syntax error: no SQL parity by design
			})
			parity(t, corpus{name: name, logs: files})
		})
	}
}

// TestCLIParityCtgen: a generated corpus of three accounts with
// duplicates across files; DuckDB's time is logged next to keyaudit
// facts' on the same files.
func TestCLIParityCtgen(t *testing.T) {
	root := filepath.Join(t.TempDir(), "corpus")
	gen := exec.Command("go", "run", "./cmd/ctgen", "-out", root, "-events", "30000", "-files", "40", "-accounts", "3", "-seed", "11", "-dups", "0.02")
	gen.Dir = "../.."
	var stderr bytes.Buffer
	gen.Stderr = &stderr
	if err := gen.Run(); err != nil {
		t.Fatalf("ctgen: %v\n%s", err, stderr.Bytes())
	}
	t.Logf("%s", bytes.TrimSpace(stderr.Bytes()))
	files := deliveryFiles(t, root)
	_, duck := parity(t, corpus{name: "ctgen", logs: files})

	start := time.Now()
	keyaudit(t, append([]string{"facts", "-q", "-o", filepath.Join(t.TempDir(), "facts")}, files...)...)
	native := time.Since(start)
	t.Logf("ctgen facts of %d delivery files: DuckDB script %v, keyaudit facts %v (a process: start, ingest, Parquet)",
		len(files), duck.Round(time.Millisecond), native.Round(time.Millisecond))
}
