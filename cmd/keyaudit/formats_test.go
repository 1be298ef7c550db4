package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/report"
)

// TestFormatsCarrySameFindings writes the demo audit in every format and
// checks each carries the findings of the CSV: the same number, and the
// same rule, account and user, in order.
func TestFormatsCarrySameFindings(t *testing.T) {
	demo := "../../testdata/demo"
	dir := t.TempDir()
	write := func(format, out string) {
		t.Helper()
		args := []string{"audit", "-q", "--as-of", "2026-11-01", "-f", format, "-o", out, demo}
		if code, _, stderr := runCLI(t, "", args...); code != exitOK {
			t.Fatalf("-f %s: exit %d\n%s", format, code, stderr)
		}
	}
	key := func(rule, account, user string) string { return rule + " " + account + " " + user }

	write("csv", filepath.Join(dir, "f.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "f.csv"))
	h, rows := readCSV(t, string(b))
	var want []string
	for _, r := range rows {
		want = append(want, key(r[h["rule"]], r[h["account_id"]], r[h["user"]]))
	}
	if len(want) == 0 {
		t.Fatal("no findings in the CSV")
	}

	got := map[string][]string{}
	for _, f := range report.Formats() {
		out := filepath.Join(dir, "f."+f)
		switch f {
		case report.FormatCSV, report.FormatTable:
			continue // the reference; the table is for people (table_test.go)
		case report.FormatASFF:
			out = filepath.Join(dir, "asff") + "/"
			os.Mkdir(out, 0o755)
		}
		write(f, out)
		switch f {
		case report.FormatJSON, report.FormatNDJSON:
			b, _ := os.ReadFile(out)
			var objs []map[string]any
			if f == report.FormatJSON {
				if err := json.Unmarshal(b, &objs); err != nil {
					t.Fatal(err)
				}
			} else {
				sc := bufio.NewScanner(strings.NewReader(string(b)))
				for sc.Scan() {
					var o map[string]any
					if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
						t.Fatal(err)
					}
					objs = append(objs, o)
				}
			}
			for _, o := range objs {
				got[f] = append(got[f], key(o["rule"].(string), o["account_id"].(string), o["user"].(string)))
			}
		case report.FormatParquet:
			fh, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			tbl, err := report.ReadParquet(memory.DefaultAllocator, fh)
			fh.Close()
			if err != nil {
				t.Fatal(err)
			}
			tr := array.NewTableReader(tbl, -1)
			for tr.Next() {
				rec := tr.RecordBatch()
				col := func(name string) *array.String {
					return rec.Column(rec.Schema().FieldIndices(name)[0]).(*array.String)
				}
				for i := 0; i < int(rec.NumRows()); i++ {
					got[f] = append(got[f], key(col("rule").Value(i), col("account_id").Value(i), col("user").Value(i)))
				}
			}
			tr.Release()
			tbl.Release()
		case report.FormatASFF:
			files, _ := filepath.Glob(out + "asff-*.json")
			for _, name := range files {
				b, _ := os.ReadFile(name)
				var fs []struct {
					AwsAccountId  string
					ProductFields map[string]string
					Resources     []struct {
						Type, Id string
						Details  struct{ AwsIamUser struct{ UserName string } }
					}
				}
				if err := json.Unmarshal(b, &fs); err != nil {
					t.Fatal(err)
				}
				for _, a := range fs {
					user := a.Resources[0].Details.AwsIamUser.UserName
					if a.Resources[0].Type == "AwsAccount" {
						user = "<root_account>"
					}
					got[f] = append(got[f], key(a.ProductFields["keyaudit/rule"], a.AwsAccountId, user))
				}
			}
		case report.FormatOCSF:
			b, _ := os.ReadFile(out)
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var ev struct {
					Cloud       struct{ Account struct{ UID string } }
					FindingInfo struct {
						Analytic struct{ UID string }
					} `json:"finding_info"`
					Resources []struct{ Type, Name string }
				}
				if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
					t.Fatal(err)
				}
				user := ""
				for _, r := range ev.Resources {
					if r.Type == "AwsIamUser" {
						user = r.Name
					}
				}
				got[f] = append(got[f], key(ev.FindingInfo.Analytic.UID, ev.Cloud.Account.UID, user))
			}
		case report.FormatHTML:
			b, _ := os.ReadFile(out)
			for _, r := range domTables(string(b))["findings-table"] {
				got[f] = append(got[f], key(r[1], r[2], r[3]))
			}
		default:
			t.Errorf("format %s: no check here yet", f)
		}
	}
	for _, f := range report.Formats() {
		if f == report.FormatCSV || f == report.FormatTable {
			continue
		}
		if !slices.Equal(got[f], want) {
			t.Errorf("-f %s: %d findings, CSV %d:\n%q\nwant\n%q", f, len(got[f]), len(want), got[f], want)
		} else {
			t.Logf("-f %s: %d findings, as in the CSV", f, len(got[f]))
		}
	}
}
