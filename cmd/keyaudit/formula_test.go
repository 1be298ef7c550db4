package main

import (
	"strings"
	"testing"
)

// TestCSVEscapeFormulas: a role session name may start with = + - or @
// (AWS allows them), so a sessions CSV can carry a formula chosen by whoever
// assumed the role. --csv-escape-formulas defuses it for spreadsheets.
func TestCSVEscapeFormulas(t *testing.T) {
	const trail = `{"Records":[{"eventTime":"2026-10-01T10:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","eventID":"e1",` +
		`"recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/mallory","accountId":"111122223333","accessKeyId":"AKIAIOSFODNN7EXAMPLE","userName":"mallory"},` +
		`"requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/r","roleSessionName":"=1+1"},` +
		`"responseElements":{"credentials":{"accessKeyId":"ASIAQNZGKIQY5BHSFTF7","expiration":"Oct 1, 2026, 11:00:00 AM"},"assumedRoleUser":{"arn":"arn:aws:sts::111122223333:assumed-role/r/=1+1"}}}]}`
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{nil, ",=1+1,"},
		{[]string{"--csv-escape-formulas"}, ",'=1+1,"},
	} {
		args := append([]string{"sessions", "--as-of", "2026-11-01", "-q", "-f", "csv"}, tc.flags...)
		code, out, stderr := runCLI(t, trail, append(args, "-")...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want a cell %q in:\n%s%s", tc.flags, code, tc.want, out, stderr)
		}
	}
	if code, _, stderr := runCLI(t, trail, "sessions", "--as-of", "2026-11-01", "-q", "-f", "json", "--csv-escape-formulas", "-"); code != 2 || !strings.Contains(stderr, "-f csv only") {
		t.Errorf("with -f json: exit %d, stderr %q; want a usage error", code, stderr)
	}
}
