package credreport

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const bom = "\ufeff"

// Sentinel cell values IAM writes instead of a time or boolean.
const (
	sentinelNA           = "N/A"
	sentinelNoInfo       = "no_information"
	sentinelNotSupported = "not_supported"
)

// cellKind classifies a time or boolean cell.
type cellKind int

const (
	cellValue        cellKind = iota // a value
	cellNA                           // N/A: does not apply / never happened
	cellNoInfo                       // no_information: IAM does not know
	cellNotSupported                 // not_supported (root row)
)

func sentinel(s string) (cellKind, bool) {
	switch {
	case s == sentinelNA || strings.EqualFold(s, sentinelNA):
		return cellNA, true
	case strings.EqualFold(s, sentinelNoInfo):
		return cellNoInfo, true
	case strings.EqualFold(s, sentinelNotSupported):
		return cellNotSupported, true
	}
	return cellValue, false
}

// parseTimeCell parses an RFC 3339 time (offset "+00:00", "Z" or any other
// offset; converted to UTC) or a sentinel, which gives the zero time.
func parseTimeCell(s string) (time.Time, cellKind, error) {
	s = strings.TrimSpace(s)
	if k, ok := sentinel(s); ok {
		return time.Time{}, k, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, cellValue, fmt.Errorf("%w %s (want RFC 3339, N/A, no_information or not_supported)", ErrTimestamp, safeValue(s))
	}
	t = t.UTC()
	if t.IsZero() {
		// The zero time means null in a Row; 0001-01-01T00:00:00Z is no
		// real report date, so treat it as unknown rather than inventing one.
		return time.Time{}, cellNoInfo, nil
	}
	return t, cellValue, nil
}

// parseBoolCell parses true/false in any letter case, or a sentinel when
// allowSentinel is set (nil result).
func parseBoolCell(s string, allowSentinel bool) (*bool, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.EqualFold(s, "true"):
		v := true
		return &v, nil
	case strings.EqualFold(s, "false"):
		v := false
		return &v, nil
	}
	if _, ok := sentinel(s); ok && allowSentinel {
		return nil, nil
	}
	want := "true or false"
	if allowSentinel {
		want = "true, false, N/A, no_information or not_supported"
	}
	return nil, fmt.Errorf("%w %s (want %s)", ErrBool, safeValue(s), want)
}

// textCell returns a region or service cell, "" for a sentinel.
func textCell(s string) string {
	s = strings.TrimSpace(s)
	if _, ok := sentinel(s); ok {
		return ""
	}
	return s
}

// parseARN checks an IAM user or root ARN and returns its account ID and
// whether it is the root ARN.
// Form: arn:<partition>:iam::<12 digits>:root or ...:user/<path/>name.
func parseARN(arn string) (account string, root bool, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !validPartition(parts[1]) || parts[2] != "iam" || parts[3] != "" {
		return "", false, fmt.Errorf("%w: %s", ErrARN, safeValue(arn))
	}
	account = parts[4]
	if len(account) != 12 || strings.Trim(account, "0123456789") != "" {
		return "", false, fmt.Errorf("%w: account ID is not 12 digits in %s", ErrARN, safeValue(arn))
	}
	res := parts[5]
	switch {
	case res == "root":
		return account, true, nil
	case strings.HasPrefix(res, "user/") && len(res) > len("user/") && !strings.HasSuffix(res, "/"):
		return account, false, nil
	}
	return "", false, fmt.Errorf("%w: resource is neither root nor user/ in %s", ErrARN, safeValue(arn))
}

func validPartition(p string) bool {
	if p == "" || len(p) > 32 {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

// maxQuoted is the longest raw input quoted in an error message.
const maxQuoted = 40

// secretRun is the length of a run of base64 characters from which a value
// is treated as a possible secret (AWS secret keys are 40 such characters,
// session tokens hundreds) and never quoted.
const secretRun = 20

// safeValue quotes a short raw input value for an error message: at most
// maxQuoted characters, and never a value that could be a secret.
func safeValue(s string) string {
	if looksSecret(s) {
		return fmt.Sprintf("<%d-character value not shown>", utf8.RuneCountInString(s))
	}
	if utf8.RuneCountInString(s) > maxQuoted {
		r := []rune(s)
		return strconv.Quote(string(r[:maxQuoted])) + "..."
	}
	return strconv.Quote(s)
}

// looksSecret reports whether s holds a run of secretRun or more base64
// characters (A-Z a-z 0-9 + / =).
func looksSecret(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if isBase64Char(s[i]) {
			run++
			if run >= secretRun {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}
