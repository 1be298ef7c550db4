package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/keyaudit/keyaudit/report"
)

// runTerminal runs keyaudit as if stdout were a terminal COLUMNS wide.
func runTerminal(t *testing.T, columns string, args ...string) (int, string, string) {
	t.Helper()
	return runEnv(t, true, map[string]string{"COLUMNS": columns, "TERM": "xterm"}, args...)
}

// demoCSV returns the rows of a command's CSV output over the demo, by column name.
func demoCSV(t *testing.T, args ...string) []map[string]string {
	t.Helper()
	code, out, stderr := runCLI(t, "", append(args, "-q", "-f", "csv", demo)...)
	if code != exitOK {
		t.Fatalf("%v: exit %d\n%s", args, code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, name := range recs[0] {
			row[name] = r[i]
		}
		rows = append(rows, row)
	}
	return rows
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// tableCells returns the trimmed cells, colour removed, of every line of a
// box table, the header first.
func tableCells(out string) [][]string {
	var cells [][]string
	for _, line := range strings.Split(sgr.ReplaceAllString(out, ""), "\n") {
		if !strings.HasPrefix(line, "│") {
			continue
		}
		var row []string
		for _, c := range strings.Split(strings.Trim(line, "│"), "│") {
			row = append(row, strings.TrimSpace(c))
		}
		cells = append(cells, row)
	}
	return cells
}

// TestTableIdentifiersWhole: at 80, 120 and 250 columns every key ID,
// account ID, severity, rule and user of the findings that the table shows
// is whole, so it can be copied into keyaudit trace; only detail may end
// in "…".
func TestTableIdentifiersWhole(t *testing.T) {
	want := demoCSV(t, "audit", "--as-of", "2026-11-01")
	for _, cols := range []string{"80", "120", "250"} {
		t.Run(cols, func(t *testing.T) {
			code, out, stderr := runTerminal(t, cols, "audit", "-q", "--as-of", "2026-11-01", demo)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			width, _ := strconv.Atoi(cols)
			for _, line := range strings.Split(sgr.ReplaceAllString(out, ""), "\n") {
				if n := utf8.RuneCountInString(line); n > width && strings.ContainsAny(line[:1+len(line)/2], "│┌├└") {
					t.Errorf("table line is %d wide at %s columns: %s", n, cols, line)
				}
			}
			if cols == "80" && !strings.Contains(stderr, "hides key_slot, age_days, detail, account_id (--wide") {
				t.Errorf("stderr does not say which columns were hidden:\n%s", stderr)
			}
			cells := tableCells(out)
			header := cells[0]
			if len(cells)-1 != len(want) {
				t.Fatalf("%d rows, want %d:\n%s", len(cells)-1, len(want), out)
			}
			for i, row := range cells[1:] {
				for c, name := range header {
					if name == "detail" {
						continue
					}
					if got := row[c]; got != want[i][name] {
						t.Errorf("row %d %s = %q, want %q", i, name, got, want[i][name])
					}
				}
			}
			for _, name := range []string{"severity", "rule", "user", "access_key_id"} {
				if !contains(header, name) {
					t.Errorf("column %s hidden at %s columns:\n%s", name, cols, out)
				}
			}
			if cols == "250" {
				for i, row := range cells[1:] {
					d := row[len(row)-1]
					if header[len(row)-1] != "detail" || (len(want[i]["detail"]) < 60 && d != want[i]["detail"]) {
						t.Errorf("row %d: detail %q, want %q in full at 250 columns", i, d, want[i]["detail"])
					}
				}
			}
		})
	}
}

// TestTableNotTerminalNothingCut: piped or written with -o, a table cuts
// nothing, not even free text.
func TestTableNotTerminalNothingCut(t *testing.T) {
	t.Setenv("COLUMNS", "80")
	rows := demoCSV(t, "audit", "--as-of", "2026-11-01")
	_, piped, _ := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", demo)
	file := filepath.Join(t.TempDir(), "audit.txt")
	if code, _, stderr := runCLI(t, "", "audit", "-q", "--as-of", "2026-11-01", "-o", file, demo); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	written, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"piped": piped, "-o": string(written)} {
		if strings.Contains(out, "…") {
			t.Errorf("%s: table cut a value:\n%s", name, out)
		}
		for _, r := range rows {
			if !strings.Contains(out, r["detail"]) {
				t.Errorf("%s: detail %q not in full", name, r["detail"])
			}
		}
	}
}

// TestWide: --wide (-w) on a narrow terminal shows every column of every
// table command in full.
func TestWide(t *testing.T) {
	tests := []struct {
		args    []string
		columns []string
	}{
		{[]string{"audit", "--as-of", "2026-11-01"}, auditTable.Columns},
		{[]string{"keys"}, keysTable.Columns},
		{[]string{"rotation", "--as-of", "2026-11-01"}, nil},
		{[]string{"sessions"}, sessionsTable.Columns},
	}
	for _, tt := range tests {
		for _, flag := range []string{"--wide", "-w"} {
			t.Run(tt.args[0]+flag, func(t *testing.T) {
				rows := demoCSV(t, tt.args...)
				code, out, stderr := runTerminal(t, "80", append(tt.args, "-q", flag, demo)...)
				if code != exitOK {
					t.Fatalf("exit %d\n%s", code, stderr)
				}
				if strings.Contains(out, "…") || strings.Contains(stderr, "hides") {
					t.Errorf("%s cut or hid something:\n%s\n%s", flag, out, stderr)
				}
				cells := tableCells(out)
				want := tt.columns
				if want == nil {
					for name := range rows[0] {
						want = append(want, name)
					}
				}
				if len(cells[0]) != len(want) {
					t.Errorf("columns %v, want %v", cells[0], want)
				}
				for i, row := range cells[1:] {
					for c, name := range cells[0] {
						if row[c] != rows[i][name] {
							t.Errorf("row %d %s = %q, want %q", i, name, row[c], rows[i][name])
						}
					}
				}
			})
		}
		t.Run(tt.args[0]+"-help", func(t *testing.T) {
			_, out, _ := runCLI(t, "", tt.args[0], "--help")
			if !strings.Contains(out, "-w, --wide") || !strings.Contains(strings.Join(strings.Fields(out), " "), "--wide shows every column in full") {
				t.Errorf("%s --help does not describe --wide:\n%s", tt.args[0], out)
			}
		})
	}
}

// TestTableMarksMuted: a muted finding says so in the table (its severity
// reads "high (muted)" and is not coloured), on a terminal and piped.
func TestTableMarksMuted(t *testing.T) {
	ignore := filepath.Join(t.TempDir(), "ignore.json")
	os.WriteFile(ignore, []byte(`{"suppressions": [{"rule": "stale-key", "account": "111122223333", "user": "alice", "reason": "ticket SEC-142"}]}`), 0o644)
	args := []string{"audit", "-q", "--as-of", "2026-11-01", "--ignore", ignore, demo}
	_, piped, _ := runCLI(t, "", args...)
	_, term, _ := runTerminal(t, "250", args...)
	for name, out := range map[string]string{"piped": piped, "terminal": term} {
		var muted, plain int
		for _, row := range tableCells(out)[1:] {
			switch {
			case row[0] == "high (muted)" && row[1] == "stale-key" && row[3] == "alice":
				muted++
			case strings.Contains(row[0], "muted"):
				t.Errorf("%s: %v marked muted", name, row)
			default:
				plain++
			}
		}
		if muted != 1 || plain != 17 {
			t.Errorf("%s: %d muted rows and %d others, want 1 and 17:\n%s", name, muted, plain, out)
		}
	}
	if strings.Contains(term, "\x1b[31mhigh (muted)") || !strings.Contains(term, "\x1b[31mhigh\x1b[0m") {
		t.Errorf("a muted finding is coloured like an unmuted one:\n%q", term)
	}
}

// TestREADMEHideOrder: the README's table of hidden columns is the one
// the commands use.
func TestREADMEHideOrder(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for cmd, o := range map[string]*report.Options{"audit": &auditTable, "keys": &keysTable, "rotation": &rotationTable, "sessions": &sessionsTable, "triage": &triageTable} {
		row := "| `" + cmd + "` | `" + strings.Join(o.HideOrder, "`, `") + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README does not have the row %s", row)
		}
	}
}
