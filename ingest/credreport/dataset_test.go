package credreport

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The expectations below were counted by hand from the files (see
// SOURCES.md beside them).
func TestParseSharedDatasets(t *testing.T) {
	dir := datasetsDir(t)
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	type want struct {
		format             string
		account            string
		rowsRead, rejected int
		rows, keys         int
		root               bool
		generated          time.Time
		errLines           []int // lines of the row errors
		noReport           string
	}
	const (
		acct1 = "644160558196"
		acct2 = "619193117841"
		acct3 = "123456789012"
	)
	// test_account_credential_report: 21 data rows (root included); the
	// second christopher row (line 10) is a duplicate and is rejected.
	// Existing key slots: andrew 2, kit 2, and one each for c7n-iam-test,
	// calvin, david, Jennifer, joshua, kapil, mandeep, rob, ryanwolfe,
	// scot, steven = 15.
	tests := map[string]want{
		"derived-csv/test_account_credential_report__iam.GetCredentialReport_1.csv": {
			format: FormatCSV, account: acct1, rowsRead: 21, rejected: 1, rows: 20, keys: 15, root: true, errLines: []int{10}},
		"derived-csv/test_iam_user_credential_multi_delete__iam.GetCredentialReport_1.csv": {
			format: FormatCSV, account: acct1, rowsRead: 1, rows: 1, keys: 2},
		"derived-csv/test_iam_user_credential_multi_delete_noop__iam.GetCredentialReport_1.csv": {
			format: FormatCSV, account: acct1, rowsRead: 2, rows: 2, keys: 2, root: true},
		"derived-csv/test_iam_user_credential_reverse_filter_delete__iam.GetCredentialReport_1.csv": {
			format: FormatCSV, account: acct3, rowsRead: 1, rows: 1, keys: 2},
		"derived-csv/test_iam_user_delete_options__iam.GetCredentialReport_1.csv": {
			format: FormatCSV, account: acct1, rowsRead: 1, rows: 1, keys: 1},
		"derived-csv/test_iam_user_unused_keys__iam.GetCredentialReport_2.csv": {
			format: FormatCSV, account: acct2, rowsRead: 8, rows: 8, keys: 9, root: true},

		"cloud-custodian-placebo/test_account_credential_report__iam.GetCredentialReport_1.json": {
			format: FormatJSONText, account: acct1, rowsRead: 21, rejected: 1, rows: 20, keys: 15, root: true, errLines: []int{10},
			generated: utc(2017, 2, 22, 23, 7, 48)},
		"cloud-custodian-placebo/test_iam_user_console_old__iam.GetCredentialReport_1.json": {
			format: FormatJSONText, account: acct1, rowsRead: 21, rejected: 1, rows: 20, keys: 15, root: true, errLines: []int{10},
			generated: utc(2016, 11, 25, 11, 2, 25)},
		"cloud-custodian-placebo/test_iam_user_credential_multi_delete__iam.GetCredentialReport_1.json": {
			format: FormatJSONText, account: acct1, rowsRead: 1, rows: 1, keys: 2, generated: utc(2018, 12, 2, 1, 18, 49)},
		"cloud-custodian-placebo/test_iam_user_credential_multi_delete_noop__iam.GetCredentialReport_1.json": {
			format: FormatJSONText, account: acct1, rowsRead: 2, rows: 2, keys: 2, root: true, generated: utc(2021, 2, 4, 15, 24, 53)},
		"cloud-custodian-placebo/test_iam_user_credential_multi_delete_noop__iam.GetCredentialReport_2.json": {
			format: FormatJSONText, account: acct1, rowsRead: 2, rows: 2, keys: 2, root: true, generated: utc(2021, 2, 4, 15, 24, 53)},
		"cloud-custodian-placebo/test_iam_user_credential_reverse_filter_delete__iam.GetCredentialReport_1.json": {
			format: FormatJSONText, account: acct3, rowsRead: 1, rows: 1, keys: 2, generated: utc(2020, 4, 2, 16, 20, 57)},
		"cloud-custodian-placebo/test_iam_user_delete_options__iam.GetCredentialReport_1.json": {
			format: FormatJSONText, account: acct1, rowsRead: 1, rows: 1, keys: 1, generated: utc(2018, 6, 1, 0, 3, 25)},
		"cloud-custodian-placebo/test_iam_user_unused_keys__iam.GetCredentialReport_2.json": {
			format: FormatJSONText, account: acct2, rowsRead: 8, rows: 8, keys: 9, root: true, generated: utc(2016, 11, 25, 14, 30, 42)},
		"cloud-custodian-placebo/test_iam_user_unused_keys_report_in_progress__iam.GetCredentialReport_2.json": {
			format: FormatJSONText, account: acct2, rowsRead: 8, rows: 8, keys: 9, root: true, generated: utc(2116, 11, 25, 14, 30, 42)},

		"cloud-custodian-placebo/test_iam_user_unused_keys__iam.GetCredentialReport_1.json":                         {noReport: "ReportNotPresent"},
		"cloud-custodian-placebo/test_iam_user_unused_keys_report_in_progress__iam.GetCredentialReport_1.json":      {noReport: "ReportInProgress"},
		"cloud-custodian-placebo/test_iam_user_unused_keys__iam.GenerateCredentialReport_1.json":                    {noReport: "State STARTED"},
		"cloud-custodian-placebo/test_iam_user_unused_keys_report_in_progress__iam.GenerateCredentialReport_1.json": {noReport: "State STARTED"},
		"cloud-custodian-placebo/test_iam_user_credential_multi_delete_noop__iam.GenerateCredentialReport_1.json":   {noReport: "State COMPLETE"},
	}
	// Every file of the folders must be covered by the table.
	for _, sub := range []string{"derived-csv", "cloud-custodian-placebo"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if _, ok := tests[sub+"/"+e.Name()]; !ok {
				t.Errorf("dataset file %s/%s has no expectation in this test", sub, e.Name())
			}
		}
	}
	for rel, w := range tests {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			data := readFile(t, filepath.Join(dir, rel))
			// A recording of a report has Content near the start: a short
			// head is enough. Error recordings put the code after ~400
			// bytes of ResponseMetadata: 1 KiB (less than any engine head).
			head := 1024
			if w.noReport == "" {
				head = 200
			}
			if !Sniff(data[:min(len(data), head)]) {
				t.Errorf("Sniff(first %d bytes) = false", head)
			}
			if !Sniff(data) {
				t.Errorf("Sniff(whole file) = false")
			}
			rep, errs := Parse(rel, data)
			if w.noReport != "" {
				if rep != nil {
					t.Fatalf("got a report from a no-report recording")
				}
				if len(errs) != 1 || !errors.Is(errs[0], ErrNoReport) || !strings.Contains(errs[0].Error(), w.noReport) {
					t.Fatalf("errors = %q, want one ErrNoReport naming %s", errStrings(errs), w.noReport)
				}
				return
			}
			if rep == nil {
				t.Fatalf("no report; errors %q", errStrings(errs))
			}
			if rep.Format != w.format || rep.AccountID != w.account || rep.RowsRead != w.rowsRead ||
				rep.RowsRejected != w.rejected || len(rep.Rows) != w.rows || !rep.GeneratedTime.Equal(w.generated) {
				t.Errorf("got format %s account %s read %d rejected %d rows %d generated %v, want %s %s %d %d %d %v",
					rep.Format, rep.AccountID, rep.RowsRead, rep.RowsRejected, len(rep.Rows), rep.GeneratedTime,
					w.format, w.account, w.rowsRead, w.rejected, w.rows, w.generated)
			}
			var lines []int
			for _, e := range errs {
				lines = append(lines, e.Line)
				if !errors.Is(e, ErrDuplicateUser) {
					t.Errorf("unexpected error %v", e)
				}
				if w.format != FormatCSV && !strings.Contains(e.Error(), "Content line") {
					t.Errorf("JSON error %q does not say its line is a Content line", e)
				}
			}
			if !equalInts(lines, w.errLines) {
				t.Errorf("error lines %v, want %v (%q)", lines, w.errLines, errStrings(errs))
			}
			var root bool
			for _, r := range rep.Rows {
				root = root || r.IsRoot
				if r.AccountID != w.account {
					t.Errorf("row %d account %s", r.Line, r.AccountID)
				}
			}
			if root != w.root {
				t.Errorf("root row present = %v, want %v", root, w.root)
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			cr := BuildCredentialRecord(mem, []*Report{rep})
			defer cr.Release()
			kr := BuildKeyRecord(mem, []*Report{rep})
			defer kr.Release()
			if int(cr.NumRows()) != w.rows || int(kr.NumRows()) != w.keys {
				t.Errorf("records: %d credential rows, %d key rows; want %d, %d", cr.NumRows(), kr.NumRows(), w.rows, w.keys)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Spot checks of values in the shared samples.
func TestSharedDatasetValues(t *testing.T) {
	dir := datasetsDir(t)
	rep, _ := Parse("r.csv", readFile(t, filepath.Join(dir, "derived-csv/test_account_credential_report__iam.GetCredentialReport_1.csv")))
	if rep == nil {
		t.Fatal("no report")
	}
	byUser := map[string]Row{}
	for _, r := range rep.Rows {
		byUser[r.User] = r
	}
	root := byUser["<root_account>"]
	if !root.IsRoot || root.PasswordEnabled != nil || root.MFAActive == nil || !*root.MFAActive ||
		root.PasswordLastUsedState != StateUsed || !root.PasswordLastChanged.IsZero() || root.Keys[0].Exists {
		t.Errorf("root row = %+v", root)
	}
	calvin := byUser["calvin"]
	if k := calvin.Keys[0]; !k.Exists || !k.Active || k.LastUsedRegion != "" || k.LastUsedService != "s3" || k.LastUsedState != StateUsed {
		t.Errorf("calvin key 1 = %+v", k)
	}
	if c := byUser["christopher"]; c.Line != 9 || c.PasswordLastUsedState != StateNoInformation {
		t.Errorf("christopher kept row = line %d state %s, want line 9 no_information", c.Line, c.PasswordLastUsedState)
	}
	andrew := byUser["andrew"]
	if !andrew.Keys[0].LastRotated.After(andrew.Keys[1].LastRotated) || andrew.Keys[0].LastUsedState != StateNever {
		t.Errorf("andrew keys = %+v", andrew.Keys)
	}
	if c7n := byUser["c7n-test"]; c7n.PasswordLastUsedState != StateNever || c7n.Keys[0].Exists || c7n.Keys[1].Exists {
		t.Errorf("c7n-test = %+v", c7n)
	}

	rep, _ = Parse("u.csv", readFile(t, filepath.Join(dir, "derived-csv/test_iam_user_unused_keys__iam.GetCredentialReport_2.csv")))
	r := rep.Rows[0]
	if !r.IsRoot || !r.Keys[1].Exists || r.Keys[1].Active || !r.Certs[0].Active || r.Certs[0].LastRotated.IsZero() {
		t.Errorf("unused_keys root = %+v", r)
	}

	rep, _ = Parse("z.csv", readFile(t, filepath.Join(dir, "derived-csv/test_iam_user_credential_reverse_filter_delete__iam.GetCredentialReport_1.csv")))
	z := rep.Rows[0]
	if z.PasswordEnabled == nil || *z.PasswordEnabled || !z.Keys[0].Active || !z.Keys[1].Active || z.Certs[0].Active {
		t.Errorf("upper-case booleans: %+v", z)
	}
}
