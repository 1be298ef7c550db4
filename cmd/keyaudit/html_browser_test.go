package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/report/htmlreport"
)

// findChromium returns the path of a headless-capable Chromium, or "".
func findChromium() string {
	if p := os.Getenv("KEYAUDIT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium runs the browser headless over url with args and returns
// stdout. Each run has its own profile, so parallel runs do not share one.
// A browser that crashes (killed by a signal: seen once under a loaded
// machine, a segfault in Chromium itself) is started again, at most
// twice; any other failure fails the test.
func chromium(t *testing.T, bin, url string, args ...string) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--no-first-run", "--user-data-dir=" + t.TempDir()}, args...)
		cmd := exec.CommandContext(ctx, bin, append(all, url)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		cancel()
		if err == nil {
			return string(out)
		}
		var ee *exec.ExitError
		if crashed := errors.As(err, &ee) && ee.ProcessState.ExitCode() == -1 && ctx.Err() == nil; crashed && attempt < 3 {
			t.Logf("%s crashed (%v), starting it again", bin, err)
			continue
		}
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
}

func readCSV(t *testing.T, text string) (header map[string]int, rows [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header = map[string]int{}
	for i, h := range recs[0] {
		header[h] = i
	}
	return header, recs[1:]
}

var (
	tableRE = regexp.MustCompile(`(?s)<table[^>]*id="([^"]+)"[^>]*>(.*?)</table>`)
	rowRE   = regexp.MustCompile(`(?s)<tr([^>]*)>(.*?)</tr>`)
	cellRE  = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
)

// domTables returns the body rows of every table with an id, as text cells.
func domTables(dom string) map[string][][]string {
	out := map[string][][]string{}
	for _, m := range tableRE.FindAllStringSubmatch(dom, -1) {
		body := m[2]
		if i := strings.Index(body, "<tbody>"); i >= 0 {
			body = body[i:]
		}
		var rows [][]string
		for _, r := range rowRE.FindAllStringSubmatch(body, -1) {
			var cells []string
			for _, c := range cellRE.FindAllStringSubmatch(r[2], -1) {
				text := strings.TrimSpace(tagRE.ReplaceAllString(c[1], ""))
				text = strings.NewReplacer("&gt;", ">", "&lt;", "<", "&amp;", "&", "&nbsp;", " ").Replace(text)
				cells = append(cells, text)
			}
			rows = append(rows, cells)
		}
		out[m[1]] = rows
	}
	return out
}

// chartCounts turns a chart table into "label: v1 v2 ... total" lines.
func chartCounts(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, " "))
	}
	return out
}

func bucket(days int64, maxes []int64) int {
	for i, m := range maxes {
		if days <= m {
			return i
		}
	}
	return len(maxes)
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func line(label string, vals ...int) string {
	total := 0
	parts := []string{label}
	for _, v := range vals {
		parts = append(parts, strconv.Itoa(v))
		total += v
	}
	return strings.Join(append(parts, strconv.Itoa(total)), " ")
}

// TestHTMLInBrowser renders the demo's HTML report in headless Chromium
// and checks, in the DOM after the page's script ran, that every chart's
// table has the numbers of the CSVs of the same run, that the findings
// table has every finding, and that sorting (the #sort= hook) reorders
// its rows. It writes a screenshot and prints its path.
func TestHTMLInBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		msg := "SKIPPED: TestHTMLInBrowser needs Chromium (apt-get install -y chromium, or set KEYAUDIT_CHROMIUM): THE HTML REPORT WAS NOT CHECKED IN A BROWSER"
		fmt.Fprintln(os.Stderr, "\n!!!!!!!! "+msg+" !!!!!!!!")
		t.Skip(msg)
	}
	demo, _ := filepath.Abs("../../testdata/demo")
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	base := []string{"-q", "--as-of", "2026-11-01"}
	run := func(args ...string) (string, string) {
		t.Helper()
		code, stdout, stderr := runCLI(t, "", args...)
		if code != exitOK {
			t.Fatalf("keyaudit %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		return stdout, stderr
	}
	run(append(append([]string{"audit"}, base...), "-o", page, demo)...)
	findingsCSV, _ := run(append(append([]string{"audit"}, base...), "-f", "csv", demo)...)
	keysCSV, _ := run(append(append([]string{"keys"}, base...), "-f", "csv", demo)...)
	sessionsCSV, _ := run(append(append([]string{"sessions"}, base...), "-f", "csv", demo)...)
	_, summary := run("audit", "--as-of", "2026-11-01", "-f", "csv", demo) // the summary goes to stderr

	url := "file://" + page
	dom := chromium(t, bin, url, "--dump-dom")
	tables := domTables(dom)

	// Findings: the same rows as the CSV, in the same order.
	fh, frows := readCSV(t, findingsCSV)
	if !strings.Contains(dom, fmt.Sprintf(">%d of %d findings shown<", len(frows), len(frows))) {
		t.Error("the page's script did not run: no filter count in the DOM")
	}
	for _, id := range []string{htmlreport.ChartKeyAge, htmlreport.ChartLastUsed, htmlreport.ChartKeysPerUser,
		htmlreport.ChartRootKeys, htmlreport.ChartSessions, htmlreport.ChartFindings} {
		if len(tables["chart-"+id]) == 0 {
			t.Errorf("chart %s: no table rows in the DOM", id)
		}
	}
	got := tables["findings-table"]
	if len(got) != len(frows) {
		t.Fatalf("%d findings in the page, %d in the CSV", len(got), len(frows))
	}
	for i, r := range frows {
		if !strings.HasPrefix(got[i][0], r[fh["severity"]]) || got[i][1] != r[fh["rule"]] || got[i][2] != r[fh["account_id"]] || got[i][5] != r[fh["access_key_id"]] {
			t.Errorf("finding %d: page %v, CSV %v", i, got[i][:6], r[:7])
		}
	}

	// Findings per account and severity.
	sevs := []string{"critical", "high", "medium", "low", "info"}
	perAcct := map[string][]int{}
	var accts []string
	for _, r := range frows {
		a := r[fh["account_id"]]
		if perAcct[a] == nil {
			perAcct[a] = make([]int, len(sevs))
			accts = append(accts, a)
		}
		perAcct[a][slices.Index(sevs, r[fh["severity"]])]++
	}
	slices.Sort(accts)
	var want []string
	for _, a := range accts {
		want = append(want, line(a, perAcct[a]...))
	}
	checkChart(t, tables, htmlreport.ChartFindings, want)

	// Key age and last use, from the keys CSV.
	kh, krows := readCSV(t, keysCSV)
	age := make([][2]int, 5)
	recency := make([][2]int, 4)
	type ref struct{ account, user string }
	perUser := map[ref][2]int{} // keys, active
	rootKeys := map[string][2]int{}
	for _, r := range krows {
		status := r[kh["status"]]
		if (status == "Active" || status == "Inactive") && r[kh["age_days"]] != "" {
			s := 0
			if status == "Inactive" {
				s = 1
			}
			age[bucket(atoi(t, r[kh["age_days"]]), []int64{30, 90, 180, 365})][s]++
		}
		if status == "Active" {
			switch {
			case r[kh["last_used"]] != "" && r[kh["unused_days"]] != "":
				recency[bucket(atoi(t, r[kh["unused_days"]]), []int64{7, 30, 90})][0]++
			case r[kh["last_used"]] == "" && r[kh["age_days"]] != "":
				recency[bucket(atoi(t, r[kh["age_days"]]), []int64{7, 30, 90})][1]++
			}
		}
		if !strings.Contains(r[kh["source"]], "credential-report") {
			continue
		}
		active := 0
		if status == "Active" {
			active = 1
		}
		if r[kh["is_root"]] == "true" {
			v := rootKeys[r[kh["account_id"]]]
			rootKeys[r[kh["account_id"]]] = [2]int{v[0] + active, v[1] + 1 - active}
			continue
		}
		k := ref{r[kh["account_id"]], r[kh["user"]]}
		v := perUser[k]
		perUser[k] = [2]int{v[0] + 1, v[1] + active}
	}
	want = nil
	for i, l := range []string{"0–30", "31–90", "91–180", "181–365", ">365"} {
		want = append(want, line(l, age[i][0], age[i][1]))
	}
	checkChart(t, tables, htmlreport.ChartKeyAge, want)
	want = nil
	for i, l := range []string{"≤7", "8–30", "31–90", ">90"} {
		want = append(want, line(l, recency[i][0], recency[i][1]))
	}
	checkChart(t, tables, htmlreport.ChartLastUsed, want)

	// Keys per user: users with 0 keys are the users the summary counts
	// less the root rows (one per report) and the users with a key.
	m := regexp.MustCompile(`scanned: \d+ accounts? \((\d+) with a credential report\), (\d+) users?`).FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("no scanned line in\n%s", summary)
	}
	zero := int(atoi(t, m[2]) - atoi(t, m[1]) - int64(len(perUser)))
	var pu [3][2]int
	for _, v := range perUser {
		s := 0
		if v[1] < v[0] {
			s = 1
		}
		pu[min(v[0], 2)][s]++
	}
	checkChart(t, tables, htmlreport.ChartKeysPerUser, []string{line("0", zero, 0), line("1", pu[1][0], pu[1][1]), line("2 (quota full)", pu[2][0], pu[2][1])})

	// Root keys: every account of the chart, with the keys CSV's root keys.
	want = nil
	for _, r := range tables["chart-"+htmlreport.ChartRootKeys] {
		v := rootKeys[r[0]]
		want = append(want, line(r[0], v[0], v[1]))
		delete(rootKeys, r[0])
	}
	if len(rootKeys) > 0 {
		t.Errorf("root keys of %v missing from the chart", rootKeys)
	}
	checkChart(t, tables, htmlreport.ChartRootKeys, want)

	// Temporary keys by root kind, from the sessions CSV.
	sh, srows := readCSV(t, sessionsCSV)
	kinds := map[string]int{}
	for _, r := range srows {
		kinds[r[sh["root_kind"]]]++
	}
	want = nil
	for _, r := range tables["chart-"+htmlreport.ChartSessions] {
		want = append(want, line(r[0], kinds[r[0]]))
		delete(kinds, r[0])
	}
	if len(kinds) > 0 || len(want) == 0 {
		t.Errorf("root kinds %v missing from the chart", kinds)
	}
	checkChart(t, tables, htmlreport.ChartSessions, want)

	// Sorting: #sort=age_days orders the findings by age, ascending
	// (findings without an age first), #sort=-age_days descending.
	ages := func(rows [][]string) []int64 {
		var out []int64
		for _, r := range rows {
			v := int64(-1)
			if r[7] != "" {
				v = atoi(t, r[7])
			}
			out = append(out, v)
		}
		return out
	}
	before := ages(got)
	up := ages(domTables(chromium(t, bin, url+"#sort=age_days", "--dump-dom"))["findings-table"])
	down := ages(domTables(chromium(t, bin, url+"#sort=-age_days", "--dump-dom"))["findings-table"])
	if !slices.IsSorted(up) || slices.Equal(up, before) {
		t.Errorf("#sort=age_days: %v (unsorted %v)", up, before)
	}
	slices.Reverse(down)
	if !slices.IsSorted(down) || len(down) != len(before) {
		t.Errorf("#sort=-age_days: not descending: %v", down)
	}

	shot := os.Getenv("KEYAUDIT_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(os.TempDir(), "keyaudit-report-screenshot.png")
	}
	chromium(t, bin, url, "--hide-scrollbars", "--screenshot="+shot, "--window-size=1280,2000")
	t.Logf("screenshot of the demo report: %s (report: %s, removed after the test)", shot, page)
}

func checkChart(t *testing.T, tables map[string][][]string, id string, want []string) {
	t.Helper()
	got := chartCounts(tables["chart-"+id])
	if !slices.Equal(got, want) {
		t.Errorf("chart %s:\n page %q\n CSV  %q", id, got, want)
	}
}
