package credreport

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// fuzzSeeds are inline samples of every input shape.
func fuzzSeeds() []string {
	csv := lines(testHeader, testRow("<root_account>", map[string]string{csvPasswordEnabled: "not_supported"}), testRow(`"a,b"`, nil),
		testRow("c", map[string]string{csvMFAActive: "TRUE", csvKey2LastRotated: "2020-01-01T00:00:00Z"}))
	return []string{
		csv,
		"\ufeff" + strings.ReplaceAll(csv, "\n", "\r\n"),
		lines(testHeader, "x,y", testRow("d", map[string]string{csvUserCreationTime: "bad"})),
		`{"Content": "` + base64.StdEncoding.EncodeToString([]byte(csv)) + `", "ReportFormat": "text/csv", "GeneratedTime": "2026-11-25T10:00:00+00:00"}`,
		`{"status_code": 200, "data": {"Content": ` + jsonString(csv) + `, "GeneratedTime": {"__class__": "datetime", "year": 2021, "month": 2, "day": 4, "hour": 1, "minute": 2, "second": 3, "microsecond": 0}}}`,
		`{"status_code": 410, "data": {"Error": {"Code": "ReportNotPresent"}}}`,
		`{"status_code": 200, "data": {"State": "STARTED", "Description": "x"}}`,
		`{"Content": 1}`,
		"",
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	if b, err := os.ReadFile("testdata/sample.csv"); err == nil {
		f.Add(string(b))
	}
	// The shared samples, when present, seed the corpus too.
	if dir, err := findDatasets(); err == nil {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		data := []byte(in)
		Sniff(data)
		rep, errs := Parse("fuzz.csv", data)
		if rep == nil && len(errs) == 0 {
			t.Fatal("nil report without an error")
		}
		secrets := secretLikeRuns(in)
		for _, e := range errs {
			if e == nil || e.File != "fuzz.csv" || e.Err == nil {
				t.Fatalf("bad error %#v", e)
			}
			msg := e.Error()
			for s := range secretLikeRuns(msg) {
				if secrets[s] {
					t.Fatalf("error quotes a secret-like input value: %s", msg)
				}
			}
		}
		if rep == nil {
			return
		}
		if rep.RowsRead != len(rep.Rows)+rep.RowsRejected {
			t.Fatalf("RowsRead %d != %d rows + %d rejected", rep.RowsRead, len(rep.Rows), rep.RowsRejected)
		}
		if (rep.AccountID == "") != (len(rep.Rows) == 0) {
			t.Fatalf("account %q with %d rows", rep.AccountID, len(rep.Rows))
		}
		for _, r := range rep.Rows {
			if r.AccountID != rep.AccountID || r.Line < 2 || r.PasswordLastUsedState == "" {
				t.Fatalf("row %+v", r)
			}
			for _, k := range r.Keys {
				if k.Exists == k.LastRotated.IsZero() || k.LastUsedState == "" {
					t.Fatalf("key %+v", k)
				}
			}
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		c := BuildCredentialRecord(mem, []*Report{rep})
		defer c.Release()
		k := BuildKeyRecord(mem, []*Report{rep})
		defer k.Release()
		if int(c.NumRows()) != len(rep.Rows) {
			t.Fatalf("%d credential rows for %d rows", c.NumRows(), len(rep.Rows))
		}
		// The same CSV wrapped as `aws iam get-credential-report` JSON gives
		// the same rows and the same errors, by Content line.
		if rep.Format == FormatCSV && startsLikeReport(data) {
			js := `{"Content": "` + base64.StdEncoding.EncodeToString(data) + `", "ReportFormat": "text/csv"}`
			jrep, jerrs := Parse("fuzz.csv", []byte(js))
			if jrep == nil || !reflect.DeepEqual(jrep.Rows, rep.Rows) || jrep.RowsRead != rep.RowsRead || len(jerrs) != len(errs) {
				t.Fatalf("JSON-wrapped report differs: %+v %q vs %+v %q", jrep, errStrings(jerrs), rep, errStrings(errs))
			}
			for i := range errs {
				jmsg := strings.Replace(jerrs[i].Error(), fmt.Sprintf("Content line %d: ", jerrs[i].Line), "", 1)
				if jerrs[i].Line != errs[i].Line || jerrs[i].Column != errs[i].Column || jmsg != errs[i].Error() {
					t.Fatalf("error %d: %v vs %v", i, jerrs[i], errs[i])
				}
			}
		}
		chosen, sup := Select([]*Report{rep, rep})
		if len(rep.Rows) > 0 && (len(chosen) != 1 || len(sup) != 1) {
			t.Fatalf("Select of a report twice: %d chosen, %d superseded", len(chosen), len(sup))
		}
	})
}

func FuzzParseCredentialsFile(f *testing.F) {
	for _, s := range []string{
		"Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE," + plantedSecret + "\n",
		"User name,Password,Access key ID,Secret access key,Console login link\nbob," + plantedPass + ",AKIAIOSFODNN7EXAMPLE," + plantedSecret + ",https://x\n",
		"Access key ID,Secret access key\n" + plantedSecret + ",AKIAIOSFODNN7EXAMPLE\n",
		"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + plantedSecret + "\naws_session_token=" + plantedToken + "\n",
		"[p]\naws_access_key_id = " + plantedSecret + " # x\n",
		"\"Access key ID\",\"Secret access key\"\r\n\"AKIAIOSFODNN7EXAMPLE\",\"" + plantedSecret + "\"\r\n",
		"; c\n[profile a]\nAWS_ACCESS_KEY_ID=ASIAXXXXXXXXEXAMPLE1 ; note\naws_session_token=" + plantedToken + "\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		sniffed := SniffCredentialsFile([]byte(in))
		ids, kind, err := ParseCredentialsFile("fuzz.ini", []byte(in))
		if sniffed != (kind != "") {
			t.Fatalf("SniffCredentialsFile %v but kind %q", sniffed, kind)
		}
		if kind == "" && (err == nil || ids != nil) {
			t.Fatalf("no kind but ids %q err %v", ids, err)
		}
		if !sort.StringsAreSorted(ids) {
			t.Fatalf("ids not sorted: %q", ids)
		}
		for i, id := range ids {
			if !isAccessKeyID(id) || !strings.Contains(in, id) || (i > 0 && ids[i-1] == id) {
				t.Fatalf("bad key ID %q in %q", id, ids)
			}
		}
		if err != nil {
			secrets := secretLikeRuns(in)
			for s := range secretLikeRuns(err.Error()) {
				if secrets[s] {
					t.Fatalf("error quotes a secret-like input value: %v", err)
				}
			}
		}
	})
}

// secretLikeRuns returns the maximal runs of base64 characters of s that
// are secretRun or more long and mix lower case, upper case and a digit, /
// or + (as secret keys and session tokens do; key IDs and fixed words of
// error messages do not).
func secretLikeRuns(s string) map[string]bool {
	out := map[string]bool{}
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isBase64Char(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= secretRun {
			run := s[start:i]
			if strings.ContainsAny(run, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(run, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
				strings.ContainsAny(run, "0123456789/+") {
				out[run] = true
			}
		}
		start = -1
	}
	return out
}

// The fuzz corpus of shared samples, when present, also runs as a test.
func TestParseNeverPanicsOnSharedSamples(t *testing.T) {
	dir := datasetsDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
	for _, f := range files {
		data := readFile(t, f)
		for _, n := range []int{0, 1, 10, 100, len(data) / 2, len(data) - 1} {
			if n < 0 || n > len(data) {
				continue
			}
			Parse(f, data[:n]) // truncated files must not panic
			Sniff(data[:n])
		}
	}
}
