package report

import (
	"strings"
	"testing"
)

// TestTableIdentifiersNeverCut: a column that is not declared free text
// is shown whole however narrow the table must be.
func TestTableIdentifiersNeverCut(t *testing.T) {
	mem := checkedAlloc(t)
	arn := "arn:aws:iam::123456789012:user/automation/deploy/ci-bot"
	rows := append([]fixtureRow{}, fixtureRows...)
	rows = append(rows, fixtureRow{user: &arn, severity: ptr("critical")})
	rec := buildRecord(t, mem, rows)
	defer rec.Release()
	for _, width := range []int{40, 80, 120} {
		out := string(writeAll(t, FormatTable, Options{Columns: []string{"severity", "user", "age_days"}, Width: width}, rec))
		for _, want := range []string{arn, "critical", "9007199254740993", "-9223372036854775808"} {
			if !strings.Contains(out, want) {
				t.Errorf("width %d: %q was cut:\n%s", width, want, out)
			}
		}
		if strings.Contains(out, ellipsis) {
			t.Errorf("width %d: something was shortened:\n%s", width, out)
		}
	}
}

// TestTableNoLimitNoCut: with no Width and no MaxCellWidth nothing is cut,
// however long (a piped table, -o FILE, --wide).
func TestTableNoLimitNoCut(t *testing.T) {
	mem := checkedAlloc(t)
	long := strings.Repeat("a long detail ", 20)
	rows := append([]fixtureRow{}, fixtureRows...)
	rows = append(rows, fixtureRow{note: &long})
	rec := buildRecord(t, mem, rows)
	defer rec.Release()
	out := string(writeAll(t, FormatTable, Options{}, rec))
	if !strings.Contains(out, long) {
		t.Errorf("free text cut with no width limit:\n%s", out)
	}
}

// TestTableMarks: Options.Marks appends text where a boolean column is
// true, even one that is not shown; null and false rows are left alone.
func TestTableMarks(t *testing.T) {
	mem := checkedAlloc(t)
	rec := buildRecord(t, mem, fixtureRows)
	defer rec.Release()
	out := string(writeAll(t, FormatTable, Options{Columns: []string{"severity", "user"},
		Marks: []Mark{{If: "active", Cell: "severity", Text: " (on)"}}}, rec))
	for _, want := range []string{"│ high (on) │ alice", "│ critical  │ bob", "│           │ Zoë", "│ low (on)  │ bad", "│ medium    │"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	for _, bad := range []Mark{{If: "user", Cell: "severity"}, {If: "nope", Cell: "severity"}, {If: "active", Cell: "note"}} {
		var buf strings.Builder
		if _, err := NewTableWriter(&buf, fixtureSchema, Options{Columns: []string{"severity", "user"}, Marks: []Mark{bad}}); err == nil {
			t.Errorf("mark %+v accepted", bad)
		}
	}
}
