package credreport

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const testHeader = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"

// testRow returns a valid CSV line for user (account 111122223333) with the
// given cells replaced (by column name). Values are written as given, so a
// test can quote them itself.
func testRow(user string, set map[string]string) string {
	cells := map[string]string{
		csvUser: user, csvARN: "arn:aws:iam::111122223333:user/" + user,
		csvUserCreationTime: "2020-01-01T00:00:00+00:00", csvPasswordEnabled: "true",
		csvPasswordLastUsed: "2026-11-01T00:00:00+00:00", csvPasswordLastChanged: "2020-01-02T00:00:00+00:00",
		csvPasswordNextRotation: "N/A", csvMFAActive: "true",
		csvKey1Active: "true", csvKey1LastRotated: "2024-01-01T00:00:00+00:00", csvKey1LastUsedDate: "2026-11-20T10:00:00+00:00",
		csvKey1LastUsedRegion: "us-east-1", csvKey1LastUsedService: "s3",
		csvKey2Active: "false", csvKey2LastRotated: "N/A", csvKey2LastUsedDate: "N/A",
		csvKey2LastUsedRegion: "N/A", csvKey2LastUsedService: "N/A",
		csvCert1Active: "false", csvCert1LastRotated: "N/A", csvCert2Active: "false", csvCert2LastRotated: "N/A",
	}
	if user == "<root_account>" {
		cells[csvARN] = "arn:aws:iam::111122223333:root"
	}
	for k, v := range set {
		cells[k] = v
	}
	out := make([]string, numColumns)
	for i, c := range reportColumns {
		out[i] = cells[c]
	}
	return strings.Join(out, ",")
}

func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

type wantErr struct {
	line   int
	column string
	is     error
}

func TestParseCSV(t *testing.T) {
	day := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name                 string
		in                   string
		read, rejected, rows int
		nilReport            bool
		errs                 []wantErr
		check                func(t *testing.T, rep *Report)
	}{
		{name: "one row", in: lines(testHeader, testRow("alice", nil)), read: 1, rows: 1,
			check: func(t *testing.T, rep *Report) {
				r := rep.Rows[0]
				if rep.AccountID != "111122223333" || r.AccountID != rep.AccountID || r.Line != 2 || r.IsRoot || rep.Format != FormatCSV {
					t.Errorf("report %+v row %+v", rep, r)
				}
				k := r.Keys[0]
				if !k.Exists || !k.Active || k.LastUsedState != StateUsed || k.LastUsedRegion != "us-east-1" || k.LastUsedService != "s3" ||
					!k.LastUsed.Equal(day(2026, 11, 20, 10)) {
					t.Errorf("key 1 %+v", k)
				}
				if k2 := r.Keys[1]; k2.Exists || k2.Active || k2.LastUsedState != StateNever || k2.LastUsedRegion != "" {
					t.Errorf("key 2 %+v", k2)
				}
				if !r.PasswordNextRotation.IsZero() || r.PasswordLastUsedState != StateUsed {
					t.Errorf("password %+v", r)
				}
			}},
		{name: "BOM", in: "\ufeff" + lines(testHeader, testRow("alice", nil)), read: 1, rows: 1},
		{name: "CRLF", in: strings.ReplaceAll(lines(testHeader, testRow("a", nil), testRow("b", nil)), "\n", "\r\n"), read: 2, rows: 2,
			check: func(t *testing.T, rep *Report) {
				if rep.Rows[1].Line != 3 || rep.Rows[1].Keys[1].LastUsedService != "" || rep.Rows[1].Certs[1].Active {
					t.Errorf("row %+v", rep.Rows[1])
				}
			}},
		{name: "BOM and CRLF and no final newline", in: "\ufeff" + testHeader + "\r\n" + testRow("a", nil), read: 1, rows: 1},
		{name: "comma in quoted user name and ARN",
			in: lines(testHeader, testRow(`"ops,deploy"`, map[string]string{csvARN: `"arn:aws:iam::111122223333:user/ci/ops,deploy"`})), read: 1, rows: 1,
			check: func(t *testing.T, rep *Report) {
				if r := rep.Rows[0]; r.User != "ops,deploy" || r.ARN != "arn:aws:iam::111122223333:user/ci/ops,deploy" {
					t.Errorf("user %q arn %q", r.User, r.ARN)
				}
			}},
		{name: "Z, +00:00 and other offsets are the same UTC times",
			in: lines(testHeader,
				testRow("z", map[string]string{csvUserCreationTime: "2020-05-01T12:00:00Z"}),
				testRow("p", map[string]string{csvUserCreationTime: "2020-05-01T12:00:00+00:00"}),
				testRow("o", map[string]string{csvUserCreationTime: "2020-05-01T14:00:00+02:00"}),
				testRow("f", map[string]string{csvUserCreationTime: "2020-05-01T12:00:00.000Z"})),
			read: 4, rows: 4,
			check: func(t *testing.T, rep *Report) {
				for _, r := range rep.Rows {
					if !r.UserCreationTime.Equal(day(2020, 5, 1, 12)) || r.UserCreationTime.Location() != time.UTC {
						t.Errorf("%s: %v", r.User, r.UserCreationTime)
					}
				}
			}},
		{name: "booleans in any case",
			in:   lines(testHeader, testRow("u", map[string]string{csvPasswordEnabled: "TRUE", csvMFAActive: "False", csvKey1Active: "FALSE", csvCert1Active: "True", csvCert1LastRotated: "2021-01-01T00:00:00Z"})),
			read: 1, rows: 1,
			check: func(t *testing.T, rep *Report) {
				r := rep.Rows[0]
				if r.PasswordEnabled == nil || !*r.PasswordEnabled || r.MFAActive == nil || *r.MFAActive || r.Keys[0].Active || !r.Keys[0].Exists || !r.Certs[0].Active {
					t.Errorf("row %+v", r)
				}
			}},
		{name: "root row and sentinels",
			in: lines(testHeader,
				testRow("<root_account>", map[string]string{csvPasswordEnabled: "not_supported", csvPasswordLastUsed: "no_information",
					csvPasswordLastChanged: "not_supported", csvPasswordNextRotation: "not_supported", csvKey1Active: "false",
					csvKey1LastRotated: "N/A", csvKey1LastUsedDate: "N/A", csvKey1LastUsedRegion: "N/A", csvKey1LastUsedService: "N/A"}),
				testRow("never", map[string]string{csvPasswordLastUsed: "N/A", csvKey1LastUsedDate: "N/A", csvKey1LastUsedRegion: "N/A", csvKey1LastUsedService: "N/A"}),
				testRow("unknown", map[string]string{csvKey1LastUsedDate: "no_information"})),
			read: 3, rows: 3,
			check: func(t *testing.T, rep *Report) {
				root, never, unknown := rep.Rows[0], rep.Rows[1], rep.Rows[2]
				if !root.IsRoot || root.PasswordEnabled != nil || root.PasswordLastUsedState != StateNoInformation ||
					!root.PasswordLastChanged.IsZero() || root.Keys[0].Exists {
					t.Errorf("root %+v", root)
				}
				if never.PasswordLastUsedState != StateNever || !never.PasswordLastUsed.IsZero() ||
					never.Keys[0].LastUsedState != StateNever || !never.Keys[0].Exists {
					t.Errorf("never %+v", never)
				}
				if unknown.Keys[0].LastUsedState != StateNoInformation || !unknown.Keys[0].LastUsed.IsZero() {
					t.Errorf("unknown %+v", unknown)
				}
			}},
		{name: "inactive key with a rotation date exists",
			in:   lines(testHeader, testRow("u", map[string]string{csvKey2Active: "false", csvKey2LastRotated: "2022-02-02T00:00:00Z"})),
			read: 1, rows: 1,
			check: func(t *testing.T, rep *Report) {
				if k := rep.Rows[0].Keys[1]; !k.Exists || k.Active || k.LastUsedState != StateNever {
					t.Errorf("key 2 %+v", k)
				}
			}},
		{name: "columns in another order",
			in: func() string {
				// swap user and arn in header and row
				h := strings.Replace(testHeader, "user,arn,", "arn,user,", 1)
				r := strings.Replace(testRow("x", nil), "x,arn:aws:iam::111122223333:user/x,", "arn:aws:iam::111122223333:user/x,x,", 1)
				return lines(h, r)
			}(), read: 1, rows: 1,
			check: func(t *testing.T, rep *Report) {
				if rep.Rows[0].User != "x" {
					t.Errorf("user %q", rep.Rows[0].User)
				}
			}},
		{name: "wrong column count is rejected, the rest kept",
			in:   lines(testHeader, testRow("a", nil), "b,arn:aws:iam::111122223333:user/b,2020-01-01T00:00:00Z", testRow("c", nil)),
			read: 3, rejected: 1, rows: 2, errs: []wantErr{{3, "", ErrColumnCount}}},
		{name: "bad timestamp", in: lines(testHeader, testRow("a", map[string]string{csvKey1LastUsedDate: "2020-13-01T00:00:00Z"}), testRow("b", nil)),
			read: 2, rejected: 1, rows: 1, errs: []wantErr{{2, csvKey1LastUsedDate, ErrTimestamp}}},
		{name: "timestamp without offset", in: lines(testHeader, testRow("a", map[string]string{csvUserCreationTime: "2020-01-01 00:00:00"})),
			read: 1, rejected: 1, errs: []wantErr{{2, csvUserCreationTime, ErrTimestamp}}},
		{name: "empty timestamp", in: lines(testHeader, testRow("a", map[string]string{csvPasswordLastChanged: ""})),
			read: 1, rejected: 1, errs: []wantErr{{2, csvPasswordLastChanged, ErrTimestamp}}},
		{name: "bad boolean", in: lines(testHeader, testRow("a", map[string]string{csvMFAActive: "yes"})),
			read: 1, rejected: 1, errs: []wantErr{{2, csvMFAActive, ErrBool}}},
		{name: "sentinel where a key must be true or false", in: lines(testHeader, testRow("a", map[string]string{csvKey1Active: "N/A"})),
			read: 1, rejected: 1, errs: []wantErr{{2, csvKey1Active, ErrBool}}},
		{name: "key rotation no_information", in: lines(testHeader, testRow("a", map[string]string{csvKey1LastRotated: "no_information"})),
			read: 1, rejected: 1, errs: []wantErr{{2, csvKey1LastRotated, ErrTimestamp}}},
		{name: "bad ARNs",
			in: lines(testHeader,
				testRow("a", map[string]string{csvARN: "arn:aws:iam::1111222233:user/a"}),
				testRow("b", map[string]string{csvARN: "arn:aws:s3:::bucket"}),
				testRow("c", map[string]string{csvARN: "arn:aws:iam::111122223333:role/c"}),
				testRow("d", map[string]string{csvARN: "arn:aws:iam::111122223333:root"}),
				testRow("<root_account>", map[string]string{csvARN: "arn:aws:iam::111122223333:user/root"}),
				testRow("e", map[string]string{csvARN: "arn:aws-us-gov:iam::111122223333:user/e"})),
			read: 6, rejected: 5, rows: 1,
			errs: []wantErr{{2, csvARN, ErrARN}, {3, csvARN, ErrARN}, {4, csvARN, ErrARN}, {5, csvARN, ErrARN}, {6, csvARN, ErrARN}}},
		{name: "empty user", in: lines(testHeader, testRow("", map[string]string{csvARN: "arn:aws:iam::111122223333:user/x"})),
			read: 1, rejected: 1, errs: []wantErr{{2, csvUser, ErrUser}}},
		{name: "rows of another account are rejected, majority wins",
			in: lines(testHeader,
				testRow("a", map[string]string{csvARN: "arn:aws:iam::999999999999:user/a"}),
				testRow("b", nil), testRow("c", nil)),
			read: 3, rejected: 1, rows: 2, errs: []wantErr{{2, csvARN, ErrAccountMismatch}},
			check: func(t *testing.T, rep *Report) {
				if rep.AccountID != "111122223333" {
					t.Errorf("account %s", rep.AccountID)
				}
			}},
		{name: "account tie goes to the first row",
			in: lines(testHeader,
				testRow("a", map[string]string{csvARN: "arn:aws:iam::999999999999:user/a"}),
				testRow("b", nil)),
			read: 2, rejected: 1, rows: 1, errs: []wantErr{{3, csvARN, ErrAccountMismatch}},
			check: func(t *testing.T, rep *Report) {
				if rep.AccountID != "999999999999" {
					t.Errorf("account %s", rep.AccountID)
				}
			}},
		{name: "duplicate user: the later row is rejected",
			in:   lines(testHeader, testRow("a", nil), testRow("b", nil), testRow("a", map[string]string{csvMFAActive: "false"})),
			read: 3, rejected: 1, rows: 2, errs: []wantErr{{4, csvUser, ErrDuplicateUser}},
			check: func(t *testing.T, rep *Report) {
				if !*rep.Rows[0].MFAActive {
					t.Error("kept the later row")
				}
			}},
		{name: "bare quote is a CSV error, parsing goes on",
			in:   lines(testHeader, `a"b,x`, testRow("c", nil)),
			read: 2, rejected: 1, rows: 1, errs: []wantErr{{2, "", ErrCSV}}},
		{name: "quoted field over two lines keeps later line numbers",
			in:   lines(testHeader, testRow(`"multi`+"\n"+`line"`, map[string]string{csvARN: "arn:aws:iam::111122223333:user/ml"}), testRow("z", map[string]string{csvMFAActive: "x"})),
			read: 2, rejected: 1, rows: 1, errs: []wantErr{{4, csvMFAActive, ErrBool}},
			check: func(t *testing.T, rep *Report) {
				if rep.Rows[0].Line != 2 {
					t.Errorf("line %d", rep.Rows[0].Line)
				}
			}},
		{name: "blank lines are not rows", in: lines(testHeader, "", testRow("a", nil), "   ", ""), read: 1, rows: 1},
		{name: "every row rejected: report without account",
			in:   lines(testHeader, testRow("a", map[string]string{csvMFAActive: "?"})),
			read: 1, rejected: 1, errs: []wantErr{{2, csvMFAActive, ErrBool}},
			check: func(t *testing.T, rep *Report) {
				if rep.AccountID != "" || len(rep.Rows) != 0 {
					t.Errorf("report %+v", rep)
				}
			}},
		{name: "unknown column", in: lines(strings.Replace(testHeader, "mfa_active", "mfa", 1), testRow("a", nil)),
			nilReport: true, errs: []wantErr{{1, "", ErrHeader}}},
		{name: "missing column", in: lines(strings.TrimSuffix(testHeader, ",cert_2_last_rotated"), testRow("a", nil)),
			nilReport: true, errs: []wantErr{{1, "", ErrHeader}}},
		{name: "duplicate column", in: lines(strings.Replace(testHeader, "cert_2_last_rotated", "cert_1_last_rotated", 1)),
			nilReport: true, errs: []wantErr{{1, "", ErrHeader}}},
		{name: "header only", in: lines(testHeader), nilReport: true, errs: []wantErr{{0, "", ErrEmpty}}},
		{name: "empty file", in: "", nilReport: true, errs: []wantErr{{0, "", ErrEmpty}}},
		{name: "BOM only", in: "\ufeff\r\n", nilReport: true, errs: []wantErr{{0, "", ErrEmpty}}},
		{name: "blank lines before a bad header", in: "\n\n" + lines(strings.Replace(testHeader, "arn", "ARN_x", 1)),
			nilReport: true, errs: []wantErr{{3, "", ErrHeader}}},
		{name: "blank lines before the header", in: "\r\n\n" + lines(testHeader, testRow("a", nil)), read: 1, rows: 1,
			check: func(t *testing.T, rep *Report) {
				if rep.Rows[0].Line != 4 {
					t.Errorf("line %d", rep.Rows[0].Line)
				}
			}},
		{name: "not a report", in: "hello,world\n1,2\n", nilReport: true, errs: []wantErr{{1, "", ErrHeader}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, errs := Parse("in.csv", []byte(tt.in))
			if len(errs) != len(tt.errs) {
				t.Fatalf("errors %q, want %d", errStrings(errs), len(tt.errs))
			}
			for i, w := range tt.errs {
				e := errs[i]
				if e.File != "in.csv" || e.Line != w.line || e.Column != w.column || !errors.Is(e, w.is) {
					t.Errorf("error %d = %q (line %d column %q), want line %d column %q is %v", i, e, e.Line, e.Column, w.line, w.column, w.is)
				}
			}
			if tt.nilReport {
				if rep != nil {
					t.Fatalf("got a report, want nil")
				}
				return
			}
			if rep == nil {
				t.Fatal("nil report")
			}
			if rep.RowsRead != tt.read || rep.RowsRejected != tt.rejected || len(rep.Rows) != tt.rows {
				t.Errorf("read %d rejected %d rows %d, want %d %d %d", rep.RowsRead, rep.RowsRejected, len(rep.Rows), tt.read, tt.rejected, tt.rows)
			}
			if rep.RowsRead != len(rep.Rows)+rep.RowsRejected {
				t.Errorf("RowsRead %d != rows %d + rejected %d", rep.RowsRead, len(rep.Rows), rep.RowsRejected)
			}
			if tt.check != nil {
				tt.check(t, rep)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	in := lines(testHeader, testRow("a", nil), testRow("b", map[string]string{csvUserCreationTime: "yesterday"}))
	_, errs := Parse("reports/acct.csv", []byte(in))
	if len(errs) != 1 {
		t.Fatalf("errors %q", errStrings(errs))
	}
	const want = `reports/acct.csv:3: user_creation_time: unparsable timestamp "yesterday" (want RFC 3339, N/A, no_information or not_supported)`
	if got := errs[0].Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// Errors quote at most 40 characters of a cell and never a cell that may
// be a secret.
func TestParseErrorsDoNotEchoSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	long := strings.Repeat("x-", 50)
	in := lines(testHeader,
		testRow("a", map[string]string{csvUserCreationTime: secret}),
		testRow("b", map[string]string{csvMFAActive: "pre " + secret + " post"}),
		testRow("c", map[string]string{csvARN: secret}),
		testRow("d", map[string]string{csvPasswordLastUsed: long}),
		testRow(secret, nil),
		testRow("e", nil)+","+secret,
	)
	_, errs := Parse("s.csv", []byte(in))
	if len(errs) != 5 { // the row named after the secret is valid
		t.Fatalf("errors %q", errStrings(errs))
	}
	for _, e := range errs {
		msg := e.Error()
		if strings.Contains(msg, secret) || strings.Contains(msg, "wJalrXUtnFEMI") || strings.Contains(msg, "EXAMPLEKEY") {
			t.Errorf("error quotes the secret: %s", msg)
		}
		if strings.Contains(msg, long[:41]) {
			t.Errorf("error quotes more than 40 characters: %s", msg)
		}
	}
	if !strings.Contains(errs[3].Error(), `"`+long[:40]+`"...`) {
		t.Errorf("long value not shown truncated: %s", errs[3])
	}
}

func TestParseManyBadRows(t *testing.T) {
	var b strings.Builder
	b.WriteString(testHeader + "\n")
	n := MaxRowErrors + 25
	for i := 0; i < n; i++ {
		b.WriteString("bad\n")
	}
	b.WriteString(testRow("ok", nil) + "\n")
	rep, errs := Parse("m.csv", []byte(b.String()))
	if rep == nil || rep.RowsRead != n+1 || rep.RowsRejected != n || len(rep.Rows) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if len(errs) != MaxRowErrors+1 || !errors.Is(errs[len(errs)-1], ErrTooManyErrors) || !strings.Contains(errs[len(errs)-1].Error(), ": 25") {
		t.Fatalf("%d errors, last %v", len(errs), errs[len(errs)-1])
	}
}
