package credreport

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// cliJSON builds what `aws iam get-credential-report` prints for csv.
func cliJSON(t testing.TB, csv []byte, generated string) []byte {
	t.Helper()
	b, err := json.MarshalIndent(map[string]any{
		"Content":       csv, // []byte marshals as base64, as the CLI prints the blob
		"ReportFormat":  "text/csv",
		"GeneratedTime": generated,
	}, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func placeboJSON(t testing.TB, content string, generated any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"status_code": 200,
		"data": map[string]any{
			"Content": content, "ReportFormat": "text/csv", "GeneratedTime": generated,
			"ResponseMetadata": map[string]any{"HTTPStatusCode": 200},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseJSONBase64RoundTrip(t *testing.T) {
	csv := readFile(t, "testdata/sample.csv")
	want, errs := Parse("sample.csv", csv)
	if want == nil || len(errs) != 0 {
		t.Fatalf("csv: %q", errStrings(errs))
	}
	for _, tc := range []struct {
		name, generated string
		csv             []byte
	}{
		{"plain", "2026-11-25T10:00:00+00:00", csv},
		{"Z time", "2026-11-25T10:00:00Z", csv},
		{"BOM and CRLF inside Content", "2026-11-25T11:00:00+01:00", []byte("\ufeff" + strings.ReplaceAll(string(csv), "\n", "\r\n"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := cliJSON(t, tc.csv, tc.generated)
			if !Sniff(data) || !Sniff(data[:80]) {
				t.Errorf("Sniff = false")
			}
			got, errs := Parse("sample.json", data)
			if got == nil || len(errs) != 0 {
				t.Fatalf("json: %q", errStrings(errs))
			}
			if got.Format != FormatJSONBase64 || !got.GeneratedTime.Equal(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)) || got.GeneratedTime.Location() != time.UTC {
				t.Errorf("format %s generated %v", got.Format, got.GeneratedTime)
			}
			if !reflect.DeepEqual(got.Rows, want.Rows) || got.AccountID != want.AccountID || got.RowsRead != want.RowsRead {
				t.Errorf("rows differ from the CSV's:\n%+v\n%+v", got.Rows, want.Rows)
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	csv := string(readFile(t, "testdata/sample.csv"))
	bad := lines(testHeader, testRow("a", nil), testRow("b", map[string]string{csvMFAActive: "maybe"}))
	b64 := base64.StdEncoding.EncodeToString
	utc := func(y int, m time.Month, d, h, mi, s, us int) time.Time {
		return time.Date(y, m, d, h, mi, s, us*1000, time.UTC)
	}
	tests := []struct {
		name      string
		in        string
		format    string
		rows      int
		generated time.Time
		errs      []wantErr
		errText   string // substring of the first error
	}{
		{name: "placebo text with datetime object",
			in:     string(placeboJSON(t, csv, map[string]any{"__class__": "datetime", "year": 2021, "month": 2, "day": 4, "hour": 15, "minute": 24, "second": 53, "microsecond": 250000})),
			format: FormatJSONText, rows: 4, generated: utc(2021, 2, 4, 15, 24, 53, 250000)},
		{name: "placebo text with string time", in: string(placeboJSON(t, csv, "2021-02-04T15:24:53Z")),
			format: FormatJSONText, rows: 4, generated: utc(2021, 2, 4, 15, 24, 53, 0)},
		{name: "top-level text Content, no time", in: `{"Content": ` + jsonString(csv) + `}`, format: FormatJSONText, rows: 4},
		{name: "epoch seconds", in: `{"Content": "` + b64(readFile(t, "testdata/sample.csv")) + `", "GeneratedTime": 1700000000}`,
			format: FormatJSONBase64, rows: 4, generated: time.Unix(1700000000, 0).UTC()},
		{name: "BOM before the JSON", in: "\ufeff" + `{"Content": "` + b64([]byte(csv)) + `"}`, format: FormatJSONBase64, rows: 4},
		{name: "base64 with line breaks", in: `{"Content": "` + wrap76(b64([]byte(csv))) + `"}`, format: FormatJSONBase64, rows: 4},
		{name: "row errors name Content lines", in: string(placeboJSON(t, bad, "2021-02-04T15:24:53Z")),
			format: FormatJSONText, rows: 1, generated: utc(2021, 2, 4, 15, 24, 53, 0),
			errs: []wantErr{{3, csvMFAActive, ErrBool}}, errText: `r.json:3: mfa_active: Content line 3: unparsable boolean "maybe"`},
		{name: "bad GeneratedTime keeps the report", in: string(placeboJSON(t, csv, "last tuesday")),
			format: FormatJSONText, rows: 4, errs: []wantErr{{0, "GeneratedTime", ErrGeneratedTime}}},
		{name: "impossible datetime object", in: string(placeboJSON(t, csv, map[string]any{"year": 2021, "month": 2, "day": 30})),
			format: FormatJSONText, rows: 4, errs: []wantErr{{0, "GeneratedTime", ErrGeneratedTime}}},
		{name: "ReportNotPresent", in: `{"status_code": 410, "data": {"Error": {"Code": "ReportNotPresent", "Type": "Sender"}}}`,
			errs: []wantErr{{0, "", ErrNoReport}}, errText: "r.json: no report in this file: ReportNotPresent"},
		{name: "ReportInProgress", in: `{"status_code": 404, "data": {"ResponseMetadata": {}, "Error": {"Code": "ReportInProgress"}}}`,
			errs: []wantErr{{0, "", ErrNoReport}}, errText: "no report in this file: ReportInProgress"},
		{name: "generate response (placebo)", in: `{"status_code": 200, "data": {"State": "COMPLETE", "ResponseMetadata": {}}}`,
			errs: []wantErr{{0, "", ErrNoReport}}, errText: "GenerateCredentialReport response, State COMPLETE"},
		{name: "generate response (CLI)", in: `{"State": "STARTED", "Description": "No report exists. Starting a new report generation task"}`,
			errs: []wantErr{{0, "", ErrNoReport}}},
		{name: "other ReportFormat", in: `{"Content": "eA==", "ReportFormat": "text/xml"}`, errs: []wantErr{{0, "ReportFormat", ErrNotReport}}},
		{name: "Content not base64", in: `{"Content": "not base64 at all!"}`, errs: []wantErr{{0, "Content", ErrContent}}},
		{name: "base64 of something else", in: `{"Content": "` + b64([]byte("a,b,c\n1,2,3\n")) + `"}`, errs: []wantErr{{0, "Content", ErrContent}}},
		{name: "base64 of a header only", in: `{"Content": "` + b64([]byte(testHeader+"\n")) + `"}`, errs: []wantErr{{0, "", ErrEmpty}}},
		{name: "malformed JSON", in: `{"Content": "dXNl`, errs: []wantErr{{0, "", ErrJSON}}},
		{name: "Content of the wrong type", in: `{"Content": 42}`, errs: []wantErr{{0, "", ErrJSON}}},
		{name: "JSON that is no report", in: `{"Records": []}`, errs: []wantErr{{0, "", ErrNotReport}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, errs := Parse("r.json", []byte(tt.in))
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %q, want %d", errStrings(errs), len(tt.errs))
			}
			for i, w := range tt.errs {
				e := errs[i]
				if e.File != "r.json" || e.Line != w.line || e.Column != w.column || !errors.Is(e, w.is) {
					t.Errorf("error %d = %q (line %d column %q), want line %d column %q is %v", i, e, e.Line, e.Column, w.line, w.column, w.is)
				}
			}
			if tt.errText != "" && !strings.Contains(errs[0].Error(), tt.errText) {
				t.Errorf("error %q does not contain %q", errs[0], tt.errText)
			}
			if tt.format == "" {
				if rep != nil {
					t.Fatalf("got a report, want none")
				}
				return
			}
			if rep == nil {
				t.Fatal("nil report")
			}
			if rep.Format != tt.format || len(rep.Rows) != tt.rows || !rep.GeneratedTime.Equal(tt.generated) {
				t.Errorf("format %s rows %d generated %v; want %s %d %v", rep.Format, len(rep.Rows), rep.GeneratedTime, tt.format, tt.rows, tt.generated)
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// wrap76 breaks base64 into 76-character lines, JSON-escaped.
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + `\n`)
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func TestSniff(t *testing.T) {
	csv := readFile(t, "testdata/sample.csv")
	cli := cliJSON(t, csv, "2026-11-25T10:00:00+00:00")
	bomCLI := cliJSON(t, append([]byte("\ufeff"), csv...), "2026-11-25T10:00:00+00:00")
	placebo := placeboJSON(t, string(csv), map[string]any{"__class__": "datetime", "year": 2021})
	tests := []struct {
		name string
		head string
		want bool
	}{
		{"CSV header", testHeader + "\n", true},
		{"CSV header truncated after the prefix", "user,arn,user_creation_time,pass", true},
		{"CSV with BOM", "\ufeff" + testHeader, true},
		{"CSV upper-case header", strings.ToUpper(testHeader), true},
		{"CLI JSON", string(cli), true},
		{"CLI JSON truncated", string(cli[:70]), true},
		{"CLI JSON with BOM in Content, truncated", string(bomCLI[:80]), true},
		{"CLI JSON compact, fields reordered", `{"ReportFormat":"text/csv","GeneratedTime":"2026-11-25T10:00:00Z","Content":"` + base64.StdEncoding.EncodeToString(csv)[:44], true},
		{"placebo JSON", string(placebo), true},
		{"placebo JSON truncated", string(placebo[:100]), true},
		{"placebo error truncated", `{"status_code": 410, "data": {"ResponseMetadata": {"RetryAttempts": 0}, "Error": {"Code": "ReportNotPresent", "Ty`, true},
		{"placebo generate", `{"status_code": 200, "data": {"State": "COMPLETE", "ResponseMetadata": {}}}`, true},
		{"CLI generate", `{"State": "STARTED", "Description": "No report exists."}`, true},
		{"CLI error of another API", `{"Error": {"Code": "AccessDenied"}}`, false},
		{"placebo error of another API", `{"status_code": 404, "data": {"Error": {"Code": "NoSuchBucket"}}}`, false},
		{"placebo of another API truncated", `{"status_code": 200, "data": {"Buckets": [{"Name": "x", "State": "on`, false},
		{"CloudTrail", `{"Records":[{"eventVersion":"1.08","eventSource":"iam.amazonaws.com"}]}`, false},
		{"CloudTrail truncated", `{"Records":[{"eventVersion":"1.08","eventSource":"iam.amazona`, false},
		{"Content of something else", `{"Content": "hello, world"}`, false},
		{"Content base64 of something else", `{"Content": "` + base64.StdEncoding.EncodeToString([]byte("name,arn,user_creation_time,x")) + `"}`, false},
		{"other CSV", "name,arn,created\n", false},
		{"too short", "user,arn", false},
		{"empty", "", false},
		{"console key CSV", "Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", false},
		{"credentials INI", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff([]byte(tt.head)); got != tt.want {
				t.Errorf("Sniff = %v, want %v", got, tt.want)
			}
		})
	}
}
