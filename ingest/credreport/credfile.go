package credreport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Kinds of credentials files (ParseCredentialsFile).
const (
	// KindConsoleCSV is the console "Download .csv file" of an access key
	// (Access key ID,Secret access key) or of a new IAM user (User
	// name,Password,Access key ID,Secret access key,Console login link).
	KindConsoleCSV = "console-access-keys-csv"
	// KindCredentialsINI is ~/.aws/credentials or ~/.aws/config with
	// aws_access_key_id / aws_secret_access_key / aws_session_token keys.
	KindCredentialsINI = "aws-credentials-ini"
)

// Column and key names of credentials files (compared ignoring case).
const (
	consoleKeyIDColumn  = "access key id"
	consoleSecretColumn = "secret access key"
	consoleUserColumn   = "user name"
	consolePassColumn   = "password"
	iniKeyID            = "aws_access_key_id"
)

// iniSecretKeys are the INI keys whose values are secrets; their presence
// alone makes a file a credentials file.
var iniSecretKeys = map[string]bool{
	iniKeyID:                true,
	"aws_secret_access_key": true,
	"aws_session_token":     true,
	"aws_security_token":    true,
}

// sniffCredentialsFile returns the kind of credentials file head starts,
// or "".
func sniffCredentialsFile(head []byte) string {
	head = trimLead(head)
	if len(head) == 0 {
		return ""
	}
	if consoleHeader(firstLine(head)) {
		return KindConsoleCSV
	}
	if sniffINI(head) {
		return KindCredentialsINI
	}
	return ""
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return bytes.TrimRight(b, "\r")
}

// consoleHeader reports whether line is the header of a console CSV: an
// "Access key ID" column and a "Secret access key" column.
// The line is split as CSV, as parseConsoleCSV will read it.
func consoleHeader(line []byte) bool {
	fields, err := csv.NewReader(bytes.NewReader(line)).Read()
	if err != nil {
		return false
	}
	var id, secret bool
	for _, f := range fields {
		switch normColumn(f) {
		case consoleKeyIDColumn:
			id = true
		case consoleSecretColumn:
			secret = true
		}
	}
	return id && secret
}

func normColumn(s string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(s), `"`))
}

// sniffINI: the first significant line is a [section] or key = value, and
// some line sets an AWS secret key or key ID.
func sniffINI(head []byte) bool {
	first := true
	sc := bufio.NewScanner(bytes.NewReader(head))
	sc.Buffer(nil, len(head)+1)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if first {
			first = false
			_, _, isKV := strings.Cut(line, "=")
			if !(strings.HasPrefix(line, "[") && strings.Contains(line, "]")) && !isKV {
				return false
			}
		}
		if k, _, ok := strings.Cut(line, "="); ok && iniSecretKeys[strings.ToLower(strings.TrimSpace(k))] {
			return true
		}
	}
	return false
}

// parseCredentialsFile implements ParseCredentialsFile.
func parseCredentialsFile(name string, data []byte) ([]string, string, error) {
	data = bytes.TrimPrefix(data, []byte(bom))
	kind := sniffCredentialsFile(data)
	var ids []string
	var errs []error
	switch kind {
	case KindConsoleCSV:
		ids, errs = parseConsoleCSV(name, data)
	case KindCredentialsINI:
		ids, errs = parseINI(name, data)
	default:
		return nil, "", &ParseError{File: name, Err: ErrNotCredentialsFile}
	}
	sort.Strings(ids)
	ids = compactStrings(ids)
	return ids, kind, errors.Join(errs...)
}

// parseConsoleCSV reads the Access key ID column. Other cells are never
// looked at, so no secret can leak into a result or error.
func parseConsoleCSV(name string, data []byte) ([]string, []error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, []error{&ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: unreadable header", ErrNotCredentialsFile)}}
	}
	col := -1
	for i, h := range header {
		if normColumn(h) == consoleKeyIDColumn {
			col = i
			break
		}
	}
	if col < 0 {
		// consoleHeader saw the column in the first line; a header that
		// reads differently as a whole record is not one.
		return nil, []error{&ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: no Access key ID column", ErrNotCredentialsFile)}}
	}
	var ids []string
	var errs []error
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, &ParseError{File: name, Line: pe.StartLine, Err: fmt.Errorf("%w: %v", ErrCSV, pe.Err)})
				continue
			}
			errs = append(errs, &ParseError{File: name, Err: fmt.Errorf("%w: read failed", ErrCSV)})
			break
		}
		line, _ := r.FieldPos(0)
		if isBlankRecord(rec) {
			continue
		}
		if col >= len(rec) {
			errs = append(errs, &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: got %d, want at least %d", ErrColumnCount, len(rec), col+1)})
			continue
		}
		v := strings.TrimSpace(rec[col])
		if v == "" {
			continue
		}
		if !isAccessKeyID(v) {
			errs = append(errs, &ParseError{File: name, Line: line, Column: "Access key ID", Err: ErrKeyID})
			continue
		}
		ids = append(ids, v)
	}
	return ids, errs
}

// parseINI reads aws_access_key_id values. Values of other keys are never
// looked at.
func parseINI(name string, data []byte) ([]string, []error) {
	var ids []string
	var errs []error
	lineNo := 0
	for rest := data; len(rest) > 0; {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		lineNo++
		k, v, ok := strings.Cut(string(line), "=")
		if !ok || strings.ToLower(strings.TrimSpace(k)) != iniKeyID {
			continue
		}
		v = strings.TrimSpace(v)
		// Inline comments and quotes: keep the first token, unquoted.
		if f := strings.Fields(v); len(f) > 0 {
			v = strings.Trim(f[0], `"'`)
		} else {
			v = ""
		}
		if !isAccessKeyID(v) {
			errs = append(errs, &ParseError{File: name, Line: lineNo, Column: iniKeyID, Err: ErrKeyID})
			continue
		}
		ids = append(ids, v)
	}
	return ids, errs
}

// isAccessKeyID reports whether s has the form of an access key ID: AKIA
// (long-term) or ASIA (temporary) and upper-case letters and digits, 16 to
// 128 characters in all. A secret access key (mixed case, / and +) never
// matches.
func isAccessKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 || !(strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA")) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
