package credreport

import (
	"errors"
	"strings"
	"testing"
)

// Planted secrets: none may appear in any result or error.
const (
	plantedSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	plantedSecret2 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	plantedToken   = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampletokenAAAABBBBCCCC=="
	plantedPass    = "My!Sup3rSecretPassw0rd"
)

func TestParseCredentialsFile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		kind    string
		ids     []string
		errIs   error
		errText []string // substrings of the error
	}{
		{name: "console access key CSV",
			in:   "Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE," + plantedSecret + "\n",
			kind: KindConsoleCSV, ids: []string{"AKIAIOSFODNN7EXAMPLE"}},
		{name: "console CSV with BOM and CRLF, no final newline",
			in:   "\ufeffAccess key ID,Secret access key\r\nAKIAI44QH8DHBEXAMPLE," + plantedSecret2,
			kind: KindConsoleCSV, ids: []string{"AKIAI44QH8DHBEXAMPLE"}},
		{name: "IAM user creation CSV, sorted and unique",
			in: "User name,Password,Access key ID,Secret access key,Console login link\n" +
				"bob," + plantedPass + ",AKIAZZZZZZZZZZEXAMPLE," + plantedSecret + ",https://123456789012.signin.aws.amazon.com/console\n" +
				"\"a,lice\",,AKIAAAAAAAAAAAEXAMPLE," + plantedSecret2 + ",https://123456789012.signin.aws.amazon.com/console\n" +
				"bob2," + plantedPass + ",AKIAZZZZZZZZZZEXAMPLE," + plantedSecret + ",x\n" +
				"carol," + plantedPass + ",,,x\n",
			kind: KindConsoleCSV, ids: []string{"AKIAAAAAAAAAAAEXAMPLE", "AKIAZZZZZZZZZZEXAMPLE"}},
		{name: "console CSV with the secret in the key ID column",
			in:   "Access key ID,Secret access key\n" + plantedSecret + ",AKIAIOSFODNN7EXAMPLE\nAKIAI44QH8DHBEXAMPLE," + plantedSecret2 + "\n",
			kind: KindConsoleCSV, ids: []string{"AKIAI44QH8DHBEXAMPLE"}, errIs: ErrKeyID,
			errText: []string{"keys.txt:2: Access key ID: not an access key ID"}},
		{name: "console CSV with a short row",
			in:   "User name,Password,Access key ID,Secret access key\nbob," + plantedPass + "\n",
			kind: KindConsoleCSV, errIs: ErrColumnCount, errText: []string{"keys.txt:2:"}},
		{name: "credentials INI with profiles and session token",
			in: "# work\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + plantedSecret + "\n\n" +
				"[temp]\r\nAWS_ACCESS_KEY_ID=ASIAXXXXXXXXEXAMPLE1\r\naws_secret_access_key=" + plantedSecret2 + "\r\naws_session_token = " + plantedToken + "\r\n",
			kind: KindCredentialsINI, ids: []string{"AKIAIOSFODNN7EXAMPLE", "ASIAXXXXXXXXEXAMPLE1"}},
		{name: "config INI with inline comment and quotes",
			in:   "[profile dev]\nregion = eu-west-1\naws_access_key_id = \"AKIAIOSFODNN7EXAMPLE\" ; dev key\naws_secret_access_key=" + plantedSecret + "\n",
			kind: KindCredentialsINI, ids: []string{"AKIAIOSFODNN7EXAMPLE"}},
		{name: "INI with the secret under the key ID name",
			in:   "[default]\naws_access_key_id = " + plantedSecret + "\naws_secret_access_key = " + plantedSecret2 + "\n",
			kind: KindCredentialsINI, errIs: ErrKeyID, errText: []string{"keys.txt:2: aws_access_key_id: not an access key ID"}},
		{name: "INI with only a secret", in: "[default]\naws_secret_access_key = " + plantedSecret + "\n", kind: KindCredentialsINI},
		{name: "credential report is not a credentials file", in: testHeader + "\n", errIs: ErrNotCredentialsFile},
		{name: "config without keys", in: "[default]\nregion = us-east-1\n", errIs: ErrNotCredentialsFile},
		{name: "empty", in: "", errIs: ErrNotCredentialsFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, kind, err := ParseCredentialsFile("keys.txt", []byte(tt.in))
			if kind != tt.kind || !equalStrings(ids, tt.ids) {
				t.Errorf("got %q %q, want %q %q", kind, ids, tt.kind, tt.ids)
			}
			if (err != nil) != (tt.errIs != nil) || (err != nil && !errors.Is(err, tt.errIs)) {
				t.Errorf("err = %v, want %v", err, tt.errIs)
			}
			for _, s := range tt.errText {
				if err == nil || !strings.Contains(err.Error(), s) {
					t.Errorf("err = %v, want it to contain %q", err, s)
				}
			}
			assertNoSecret(t, ids, kind, err)
			if want := tt.kind != ""; SniffCredentialsFile([]byte(tt.in)) != want {
				t.Errorf("SniffCredentialsFile = %v, want %v", !want, want)
			}
		})
	}
}

// assertNoSecret fails if any planted secret (or a long part of one)
// appears in what ParseCredentialsFile returned.
func assertNoSecret(t *testing.T, ids []string, kind string, err error) {
	t.Helper()
	out := strings.Join(ids, "\n") + "\n" + kind
	if err != nil {
		out += "\n" + err.Error()
	}
	for _, s := range []string{plantedSecret, plantedSecret2, plantedToken, plantedPass} {
		for i := 0; i+12 <= len(s); i += 4 {
			if strings.Contains(out, s[i:i+12]) {
				t.Fatalf("output contains part of a secret: %q", out)
			}
		}
	}
}

func TestSniffCredentialsFile(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{"Access key ID,Secret access key\n", true},
		{"\"Access key ID\",\"Secret access key\"\r\n", true},
		{"User name,Password,Access key ID,Secret access key,Console login link", true},
		{"\n\n[default]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE", true},
		{"; comment\naws_session_token = x\n", true},
		{"User name,Password,Console login link\n", false}, // no key: not recognised
		{"Access key ID\nAKIAIOSFODNN7EXAMPLE\n", false},
		{"\"Access key ID,Secret access key\"\nAKIAIOSFODNN7EXAMPLE\n", false}, // one quoted column
		{"\"Access key ID\",\"Secret access key\n", false},                     // broken quoting
		{"[default]\nregion = us-east-1\noutput = json\n", false},
		{`{"Records":[{"userIdentity":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE"}}]}`, false},
		{testHeader, false},
		{"", false},
	}
	for _, tt := range tests {
		if got := SniffCredentialsFile([]byte(tt.head)); got != tt.want {
			t.Errorf("SniffCredentialsFile(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}
