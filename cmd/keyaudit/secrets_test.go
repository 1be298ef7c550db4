package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/report"
)

// Planted secrets: each must appear in no output, log line, error message
// or file that keyaudit writes.
var planted = []string{
	"wJalrXUtnFEMIK7MDENGbPxRfiCYCONSOLECSV01",          // console "Download .csv" secret
	"wJalrXUtnFEMIK7MDENGbPxRfiCYINIPROFILE01",          // ~/.aws/credentials secret
	"IQoJb3JpZ2luX2VjEINIPROFILESESSIONTOKEN0000000001", // ~/.aws/credentials session token
	"IQoJb3JpZ2luX2VjESTSRESPONSESESSIONTOKEN000000002", // CloudTrail AssumeRole response token
	"wJalrXUtnFEMIK7MDENGbPxRfiCYSTSRESPONSE01",         // CloudTrail response secretAccessKey
	"wJalrXUtnFEMIK7MDENGbPxRfiCYCREATEKEY001",          // CreateAccessKey response secret
	"wJalrXUtnFEMIK7MDENGbPxRfiCYREQUESTPARAM",          // a secret pasted into requestParameters
	"IQoJb3JpZ2luX2VjELOOKUPEVENTSTOKEN00000000000003",  // lookup-events inner event token
	"IQoJb3JpZ2luX2VjEJSONLINESTOKEN000000000000000004", // JSON lines token
	"wJalrXUtnFEMIK7MDENGbPxRfiCYBADTIMESTAMP",          // a secret where a report timestamp should be
}

func writeSecretInputs(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"downloads/new_user_credentials.csv": "User name,Password,Access key ID,Secret access key,Console login link\n" +
			"mallory,Hunter2!,AKIAZZZZZZZZZZZZZZZ1," + planted[0] + ",https://111122223333.signin.aws.amazon.com/console\n",
		"home/.aws/credentials": "[default]\naws_access_key_id = AKIAZZZZZZZZZZZZZZZ2\naws_secret_access_key = " + planted[1] +
			"\naws_session_token = " + planted[2] + "\n",
		"logs/assume.json": `{"Records":[{"eventVersion":"1.08","eventTime":"2026-10-30T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","userAgent":"aws-cli/2","eventID":"e-1","recipientAccountId":"111122223333",` +
			`"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAZZZZZZZZZZZZZZZ3","userName":"alice"},` +
			`"requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/r","roleSessionName":"s","note":{"secretAccessKey":"` + planted[6] + `"}},` +
			`"responseElements":{"credentials":{"accessKeyId":"ASIAZZZZZZZZZZZZZZZ4","sessionToken":"` + planted[3] + `","secretAccessKey":"` + planted[4] + `","expiration":"Oct 30, 2026 11:00:00 AM"}}},` +
			`{"eventVersion":"1.08","eventTime":"2026-10-30T10:05:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","eventID":"e-2","recipientAccountId":"111122223333",` +
			`"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAZZZZZZZZZZZZZZZ3","userName":"alice"},` +
			`"responseElements":{"accessKey":{"userName":"alice","accessKeyId":"AKIAZZZZZZZZZZZZZZZ5","status":"Active","secretAccessKey":"` + planted[5] + `","createDate":"Oct 30, 2026 10:05:00 AM"}}}]}`,
		"logs/lookup.json": `{"Events":[{"EventId":"e-3","EventName":"AssumeRole","CloudTrailEvent":"{\"eventVersion\":\"1.08\",\"eventTime\":\"2026-10-30T12:00:00Z\",\"eventSource\":\"sts.amazonaws.com\",\"eventName\":\"AssumeRole\",\"eventID\":\"e-3\",\"recipientAccountId\":\"111122223333\",\"userIdentity\":{\"type\":\"IAMUser\",\"accountId\":\"111122223333\",\"accessKeyId\":\"AKIAZZZZZZZZZZZZZZZ3\",\"userName\":\"alice\"},\"responseElements\":{\"credentials\":{\"accessKeyId\":\"ASIAZZZZZZZZZZZZZZZ6\",\"sessionToken\":\"` + planted[7] + `\"}}}"}]}`,
		"logs/export.jsonl": `{"eventVersion":"1.08","eventTime":"2026-10-30T13:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetSessionToken","eventID":"e-4","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","accountId":"111122223333","accessKeyId":"AKIAZZZZZZZZZZZZZZZ3","userName":"alice"},"responseElements":{"credentials":{"accessKeyId":"ASIAZZZZZZZZZZZZZZZ7","sessionToken":"` + planted[8] + `"}}}` + "\n" +
			`{"eventVersion":"1.08","eventTime":"2026-10-30T13:01:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","eventID":"e-5","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","accountId":"111122223333","accessKeyId":"ASIAZZZZZZZZZZZZZZZ7","userName":"alice"}}` + "\n",
		"reports/report.csv": "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n" +
			"alice,arn:aws:iam::111122223333:user/alice,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n" +
			"bob,arn:aws:iam::111122223333:user/bob,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true," + planted[9] + ",N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSecretsNeverLeave plants secrets in every input kind and searches
// every output format of every command, stderr and --stats for them.
func TestSecretsNeverLeave(t *testing.T) {
	in := t.TempDir()
	writeSecretInputs(t, in)
	out := t.TempDir()
	var seen bytes.Buffer // everything keyaudit said or wrote
	runs := [][]string{
		{"audit", "--as-of", "2026-11-01", in},
		{"audit", "--as-of", "2026-11-01", "-f", "sarif", in},
		{"whois", "AKIAZZZZZZZZZZZZZZZ3", "ASIAZZZZZZZZZZZZZZZ4", in},
		{"trace", "--as-of", "2026-11-01", "ASIAZZZZZZZZZZZZZZZ4", in},
		{"trace", "--as-of", "2026-11-01", "-f", "json", "AKIAZZZZZZZZZZZZZZZ3", in},
		{"export", "-o", filepath.Join(out, "export"), "--as-of", "2026-11-01", in},
		{"export", "--partition", "-o", filepath.Join(out, "partitioned"), in},
	}
	for _, cmd := range []string{"audit", "keys", "sessions", "rotation"} {
		for _, f := range report.Formats() {
			if report.FindingsOnly(f) && cmd != "audit" {
				continue
			}
			name := filepath.Join(out, cmd+"."+f)
			args := []string{cmd, "-f", f}
			args = append(args, "--as-of", "2026-11-01")
			runs = append(runs, append(args, "-o", name, "--stats", name+".stats.json", in))
			if f != "parquet" {
				runs = append(runs, append(args[:len(args):len(args)], in))
			}
		}
	}
	for _, args := range runs {
		code, stdout, stderr := runCLI(t, "", args...)
		if code != exitOK && code != exitFindings {
			t.Errorf("keyaudit %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		seen.WriteString(stdout)
		seen.WriteString(stderr)
	}
	// Every file written, Parquet read back as text (it is compressed).
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Error(err)
			return nil
		}
		seen.Write(data)
		if strings.HasSuffix(p, ".parquet") {
			seen.WriteString(parquetText(t, p))
		}
		return nil
	})
	if seen.Len() < 1000 {
		t.Fatalf("suspiciously little output (%d bytes): the test would prove nothing", seen.Len())
	}
	// The key IDs themselves may be listed: prove the test can see content.
	if !bytes.Contains(seen.Bytes(), []byte("ASIAZZZZZZZZZZZZZZZ4")) {
		t.Fatal("the issued key ID is not in any output: the inputs were not read")
	}
	for _, s := range planted {
		if i := bytes.Index(seen.Bytes(), []byte(s)); i >= 0 {
			t.Errorf("secret %s…%s leaked into the output", s[:6], s[len(s)-4:])
		}
		// a prefix long enough to identify the secret must not leak either
		if bytes.Contains(seen.Bytes(), []byte(s[:30])) {
			t.Errorf("the first 30 characters of secret %s… leaked", s[:6])
		}
	}
}

// parquetText renders a Parquet file's values as text.
func parquetText(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := report.ReadParquet(memory.DefaultAllocator, f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer tbl.Release()
	var b strings.Builder
	tr := array.NewTableReader(tbl, 1024)
	defer tr.Release()
	for tr.Next() {
		rec := tr.Record()
		for c := 0; c < int(rec.NumCols()); c++ {
			col := rec.Column(c)
			for r := 0; r < col.Len(); r++ {
				if col.IsValid(r) {
					fmt.Fprintf(&b, "%s\n", col.ValueStr(r))
				}
			}
		}
	}
	return b.String()
}
