package htmlreport

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func sample() *Report {
	evil := `<script>alert("x")</script>`
	return &Report{
		Version: "keyaudit test", AsOf: asOf, MaxKeyAgeDays: 90, MaxUnusedDays: 45, MaxRotationDays: 7,
		Accounts: []string{"111122223333"},
		Inputs:   []Input{{Path: "reports/" + evil + ".csv", Size: 10, SHA256: strings.Repeat("ab", 32)}},
		Rules: []Rule{{ID: "stale-key", Severity: "high", CIS: []string{"1.14"}, SecurityHub: []string{"IAM.3"}, Ran: true, Remediation: "rotate " + evil},
			{ID: "root-access-key", Severity: "critical/high", CIS: []string{"1.4"}, Ran: true},
			{ID: "two-active-keys", CIS: []string{"1.13"}, Ran: false}},
		Findings: []Finding{
			{Rule: "stale-key", Severity: "high", AccountID: "111122223333", User: evil, KeySlot: 1, AgeDays: 100, Detail: evil},
			{Rule: "stale-key", Severity: "high", AccountID: "111122223333", User: "bob", KeySlot: 1, AgeDays: 200, Muted: true, MuteReason: "ok"},
		},
		Keys: []Key{
			{AccountID: "111122223333", User: evil, Status: "Active", Slot: "1", Created: asOf.AddDate(0, 0, -100), AgeDays: 100, UnusedDays: -1},
			{AccountID: "111122223333", User: "bob", Status: "Inactive", Slot: "1", Created: asOf.AddDate(0, 0, -400), AgeDays: 400, LastUsed: asOf.AddDate(0, 0, -3), UnusedDays: 3},
			{AccountID: "111122223333", User: "old", Status: "Deleted", Slot: "unknown", AgeDays: 10, UnusedDays: -1},
		},
		Users:    []User{{AccountID: "111122223333", User: evil, Keys: 1, Active: 1}, {AccountID: "111122223333", User: "<root_account>", IsRoot: true, Keys: 1}},
		Sessions: []KindCount{{"iam_user", 3}},
	}
}

func render(t *testing.T, r *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestEscapesData(t *testing.T) {
	out := render(t, sample())
	if strings.Contains(out, `<script>alert`) {
		t.Error("a value from the data is written unescaped")
	}
	if !strings.Contains(out, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) {
		t.Error("the escaped value is missing")
	}
	if n := strings.Count(out, "<script>"); n != 1 {
		t.Errorf("%d script elements, want the one inline script", n)
	}
}

func TestSelfContainedAndDeterministic(t *testing.T) {
	out := render(t, sample())
	if out != render(t, sample()) {
		t.Error("two renderings differ")
	}
	for _, bad := range []string{"<link", " src=", "@import", "url(", "@font-face"} {
		if strings.Contains(out, bad) {
			t.Errorf("the page loads something: %q", bad)
		}
	}
	if !strings.Contains(out, "@media print") {
		t.Error("no print style")
	}
}

// cells returns the cells of the rows of the table with that id.
func cells(t *testing.T, page, id string) [][]string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no table %s", id)
	}
	table := page[i:]
	table = table[:strings.Index(table, "</table>")]
	body := table[strings.Index(table, "<tbody>"):]
	var out [][]string
	cell := regexp.MustCompile(`<t[hd][^>]*>(.*?)</t[hd]>`)
	for _, row := range strings.Split(body, "<tr")[1:] {
		var r []string
		for _, m := range cell.FindAllStringSubmatch(row, -1) {
			r = append(r, m[1])
		}
		out = append(out, r)
	}
	return out
}

func TestChartNumbers(t *testing.T) {
	out := render(t, sample())
	want := map[string]string{
		"chart-" + ChartKeyAge:      "0–30 0 0 0|31–90 0 0 0|91–180 1 0 1|181–365 0 0 0|&gt;365 0 1 1",
		"chart-" + ChartLastUsed:    "≤7 0 0 0|8–30 0 0 0|31–90 0 0 0|&gt;90 0 1 1",
		"chart-" + ChartKeysPerUser: "0 0 0 0|1 1 0 1|2 (quota full) 0 0 0",
		"chart-" + ChartRootKeys:    "111122223333 0 1 1",
		"chart-" + ChartSessions:    "iam_user 3 3",
		"chart-" + ChartFindings:    "111122223333 0 2 0 0 0 2",
	}
	for id, w := range want {
		var rows []string
		for _, r := range cells(t, out, id) {
			rows = append(rows, strings.Join(r, " "))
		}
		if got := strings.Join(rows, "|"); got != w {
			t.Errorf("%s:\n got %s\nwant %s", id, got, w)
		}
	}
	controls := cells(t, out, "by-control")
	got := []string{}
	for _, r := range controls {
		got = append(got, r[0]+"="+regexp.MustCompile(`<[^>]*>`).ReplaceAllString(r[2], ""))
	}
	if g := strings.Join(got, ","); g != "CIS 1.4=PASSED,CIS 1.13=NOT EVALUATED,CIS 1.14=FAILED,Security Hub IAM.3=FAILED" {
		t.Errorf("controls %s", g)
	}
}

func TestAgeMarker(t *testing.T) {
	for days, want := range map[int64]float64{90: 2, 30: 1, 45: 1 + 15.0/60, 400: 4.5} {
		if got := ageMarker(days); got != want {
			t.Errorf("ageMarker(%d) = %v, want %v", days, got, want)
		}
	}
}
