package triage

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// Report formats, the values of Report.Format.
const (
	FormatGitleaks      = "gitleaks-json"
	FormatGitleaksSARIF = "gitleaks-sarif"
	FormatTrufflehog    = "trufflehog-json"
	FormatSARIF         = "sarif"
	FormatIDList        = "id-list"
)

// GitleaksRule is the gitleaks rule whose Secret is an AWS key ID (and
// nothing else: its other AWS rules match secret access keys).
const GitleaksRule = "aws-access-token"

// DefaultMaxReportBytes bounds what ParseReport reads of one report.
const DefaultMaxReportBytes = 256 << 20

// ErrReport is the cause of every error ParseReport returns for input it
// cannot read as a report.
var ErrReport = errors.New("not a scanner report")

// Leak is one key ID a scanner found at one place. It never holds a
// secret: the parsers read only key IDs and locations.
type Leak struct {
	KeyID   string // the key ID, or the visible start of a redacted one
	Partial bool   // KeyID is the start of a redacted ID
	Scanner string // "gitleaks", "trufflehog", the SARIF tool's name, "id-list"
	File    string // path in the scanned source; "" when the report names none
	Line    int    // 1-based; 0 when unknown
	Commit  string
	// Date is when the leak was committed, when the report says (gitleaks
	// Date, trufflehog's git timestamp): calls after it are use after the
	// leak. Zero when unknown.
	Date time.Time
	// Verified says the scanner itself checked that the key works (it
	// called sts:GetCallerIdentity with it): trufflehog's Verified.
	Verified bool
	// AccountHint is the account the scanner claims (trufflehog
	// ExtraData.account), a hint only: the account is decoded from the ID.
	AccountHint string
}

// Location renders where the leak is: file:line@commit, as much as is known.
func (l Leak) Location() string {
	s := l.File
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
	}
	if l.Commit != "" {
		c := l.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += "@" + c
	}
	return s
}

// Report is what ParseReport read of one scanner report.
type Report struct {
	Name   string
	Format string
	Leaks  []Leak
	// Ignored counts findings that are not an AWS key ID (other rules and
	// detectors: they hold secrets, which are never read further).
	Ignored int
	// Redacted counts findings whose key ID was redacted entirely
	// (gitleaks --redact): nothing of them can be triaged.
	Redacted int
}

// ParseReport reads one scanner report, recognised from its content:
// a gitleaks JSON report (an array of findings), a SARIF log (gitleaks'
// or any other tool's), trufflehog --json lines, or, for any input that
// is not JSON, text in which every access key ID is found (a plain list,
// one per line, or any text). JSON that is none of these reports is an
// error, not a list: a CloudTrail file given as a report would otherwise
// list every key it names. At most maxBytes are read (0 means
// DefaultMaxReportBytes). Errors wrap ErrReport and never quote the input.
func ParseReport(name string, r io.Reader, maxBytes int64) (*Report, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxReportBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read report %s: %w", name, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("read report %s: %w: larger than %d bytes", name, ErrReport, maxBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	rep := &Report{Name: name}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		rep.Format = FormatIDList
		return rep, nil
	case trimmed[0] == '[':
		err = rep.gitleaks(trimmed)
	case trimmed[0] == '{':
		err = rep.jsonObject(trimmed)
	default:
		rep.idList(data)
	}
	if err != nil {
		return nil, fmt.Errorf("read report %s: %w", name, err)
	}
	return rep, nil
}

// gitleaksFinding holds the only fields read of a gitleaks finding: not
// Match or Line (the source line, which may hold the secret).
type gitleaksFinding struct {
	RuleID    *string `json:"RuleID"`
	Secret    string  `json:"Secret"`
	File      string  `json:"File"`
	StartLine int     `json:"StartLine"`
	Commit    string  `json:"Commit"`
	Date      string  `json:"Date"`
}

func (rep *Report) gitleaks(data []byte) error {
	var fs []gitleaksFinding
	if err := json.Unmarshal(data, &fs); err != nil {
		return fmt.Errorf("%w: a JSON array but not a gitleaks report (%s)", ErrReport, jsonProblem(err))
	}
	rep.Format = FormatGitleaks
	for i, f := range fs {
		if f.RuleID == nil {
			return fmt.Errorf("%w: a JSON array but not a gitleaks report (finding %d has no RuleID)", ErrReport, i+1)
		}
		if *f.RuleID != GitleaksRule {
			rep.Ignored++
			continue
		}
		l := Leak{Scanner: "gitleaks", File: f.File, Line: max(f.StartLine, 0), Commit: f.Commit, Date: parseDate(f.Date)}
		rep.addSecret(l, f.Secret)
	}
	return nil
}

// addSecret adds l with the key ID of a scanner's secret field: the
// whole ID, or the start of a redacted one; anything else is counted as
// redacted (all gone) or ignored (not a key ID), never kept.
func (rep *Report) addSecret(l Leak, secret string) {
	secret = strings.TrimSpace(secret)
	if isKeyID(secret) {
		l.KeyID = secret
		rep.Leaks = append(rep.Leaks, l)
		return
	}
	if p, ok := redactedPrefix(secret); ok {
		l.KeyID, l.Partial = p, true
		rep.Leaks = append(rep.Leaks, l)
		return
	}
	if strings.Contains(strings.ToUpper(secret), "REDACTED") || strings.Trim(secret, "*.…") == "" {
		rep.Redacted++
		return
	}
	// A custom rule's secret may be a longer match: take a key ID in it.
	if ids := findKeyIDs(secret); len(ids) == 1 {
		l.KeyID = ids[0]
		rep.Leaks = append(rep.Leaks, l)
		return
	}
	rep.Ignored++
}

// redactedPrefix returns the visible start of a redacted key ID:
// gitleaks --redact=N keeps a prefix and appends "..."; other tools write
// REDACTED, "*" or "…" in place of the rest.
func redactedPrefix(s string) (string, bool) {
	cut := len(s)
	for _, mark := range []string{"...", "…", "*", "REDACTED", "redacted"} {
		if i := strings.Index(s, mark); i >= 0 && i < cut {
			cut = i
		}
	}
	if cut == len(s) {
		return "", false
	}
	p := s[:cut]
	if len(p) < 4 || len(p) >= keyid.Len || !isAccessKeyPrefix(p[:4]) {
		return "", false
	}
	for i := 4; i < len(p); i++ {
		if !isBase32(p[i]) {
			return "", false
		}
	}
	return p, true
}

func (rep *Report) jsonObject(data []byte) error {
	// One object: a SARIF log, or the first of trufflehog's JSON lines.
	var probe struct {
		Runs           json.RawMessage `json:"runs"`
		Version        json.RawMessage `json:"version"`
		DetectorName   json.RawMessage `json:"DetectorName"`
		SourceMetadata json.RawMessage `json:"SourceMetadata"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&probe); err != nil {
		return fmt.Errorf("%w: a JSON object but not a SARIF log or trufflehog output (%s)", ErrReport, jsonProblem(err))
	}
	switch {
	case probe.Runs != nil:
		return rep.sarif(data)
	case probe.DetectorName != nil || probe.SourceMetadata != nil:
		return rep.trufflehog(data)
	}
	return fmt.Errorf("%w: JSON that is not a gitleaks or trufflehog report or a SARIF log", ErrReport)
}

type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Name string `json:"name"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
						Snippet   struct {
							Text string `json:"text"`
						} `json:"snippet"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints struct {
				CommitSha string `json:"commitSha"`
				Date      string `json:"date"`
			} `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

// sarif reads the key IDs in the region snippets of a SARIF log. Of
// gitleaks' log only results of GitleaksRule are read (the snippet is the
// finding's secret); of other tools' logs, every key ID in a snippet.
func (rep *Report) sarif(data []byte) error {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return fmt.Errorf("%w: not a SARIF log (%s)", ErrReport, jsonProblem(err))
	}
	rep.Format = FormatSARIF
	for _, run := range log.Runs {
		tool := run.Tool.Driver.Name
		isGitleaks := strings.EqualFold(tool, "gitleaks")
		if isGitleaks {
			rep.Format = FormatGitleaksSARIF
		}
		if tool == "" {
			tool = "sarif"
		}
		for _, res := range run.Results {
			if isGitleaks && res.RuleID != GitleaksRule {
				rep.Ignored++
				continue
			}
			found := false
			for _, loc := range res.Locations {
				p := loc.PhysicalLocation
				l := Leak{Scanner: strings.ToLower(tool), File: p.ArtifactLocation.URI, Line: max(p.Region.StartLine, 0),
					Commit: res.PartialFingerprints.CommitSha, Date: parseDate(res.PartialFingerprints.Date)}
				if isGitleaks {
					n := len(rep.Leaks)
					rep.addSecret(l, p.Region.Snippet.Text)
					found = found || len(rep.Leaks) > n
					continue
				}
				for _, id := range findKeyIDs(p.Region.Snippet.Text) {
					l.KeyID = id
					rep.Leaks = append(rep.Leaks, l)
					found = true
				}
			}
			if !found && !isGitleaks {
				rep.Ignored++
			}
		}
	}
	return nil
}

type trufflehogResult struct {
	SourceMetadata struct {
		Data map[string]struct {
			File       string `json:"file"`
			Path       string `json:"path"`
			Line       int    `json:"line"`
			Commit     string `json:"commit"`
			Timestamp  string `json:"timestamp"`
			Repository string `json:"repository"`
		} `json:"Data"`
	} `json:"SourceMetadata"`
	DetectorName string `json:"DetectorName"`
	Verified     bool   `json:"Verified"`
	Raw          string `json:"Raw"`      // the key ID for the AWS detectors
	Redacted     string `json:"Redacted"` // the key ID again, for AWS
	ExtraData    struct {
		Account any `json:"account"`
	} `json:"ExtraData"`
	// RawV2 (the key ID with its secret) and SecretParts are not read.
}

// trufflehog reads trufflehog --json output: one result per line. Results
// of detectors other than AWS's are counted and dropped.
func (rep *Report) trufflehog(data []byte) error {
	rep.Format = FormatTrufflehog
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r trufflehogResult
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("%w: trufflehog output line %d: %s", ErrReport, n, jsonProblem(err))
		}
		if !strings.HasPrefix(strings.ToUpper(r.DetectorName), "AWS") {
			rep.Ignored++
			continue
		}
		l := Leak{Scanner: "trufflehog", Verified: r.Verified}
		if acct, ok := r.ExtraData.Account.(string); ok && isDigits(acct) && len(acct) == 12 {
			l.AccountHint = acct
		}
		for _, src := range r.SourceMetadata.Data { // one source per result
			l.File = src.File
			if l.File == "" {
				l.File = src.Path
			}
			l.Line, l.Commit, l.Date = max(src.Line, 0), src.Commit, parseDate(src.Timestamp)
			break
		}
		id := strings.TrimSpace(r.Raw)
		if !isKeyID(id) {
			id = strings.TrimSpace(r.Redacted)
		}
		if !isKeyID(id) {
			rep.Ignored++
			continue
		}
		l.KeyID = id
		rep.Leaks = append(rep.Leaks, l)
	}
	return sc.Err()
}

// idList finds every access key ID in text, one leak per occurrence,
// with no location (the list's own lines say nothing of where the key
// leaked).
func (rep *Report) idList(data []byte) {
	rep.Format = FormatIDList
	for _, id := range findKeyIDs(string(data)) {
		rep.Leaks = append(rep.Leaks, Leak{KeyID: id, Scanner: FormatIDList})
	}
}

// findKeyIDs returns the access key IDs in s (prefix AKIA, ASIA, ABIA or
// ACCA and 16 base32 characters), each standing alone: not inside a longer
// run of letters, digits, + or / (a secret access key or a token that
// happens to contain the pattern).
func findKeyIDs(s string) []string {
	var out []string
	for i := 0; i+keyid.Len <= len(s); i++ {
		if !isAccessKeyPrefix(s[i:i+4]) || i > 0 && isWordByte(s[i-1]) {
			continue
		}
		cand := s[i : i+keyid.Len]
		if !isKeyID(cand) || i+keyid.Len < len(s) && isWordByte(s[i+keyid.Len]) {
			continue
		}
		out = append(out, cand)
		i += keyid.Len - 1
	}
	return out
}

func isWordByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '_'
}

// isKeyID reports whether s is a whole access key ID of the scanners'
// pattern.
func isKeyID(s string) bool {
	if len(s) != keyid.Len || !isAccessKeyPrefix(s[:4]) {
		return false
	}
	for i := 4; i < len(s); i++ {
		if !isBase32(s[i]) {
			return false
		}
	}
	return true
}

func isAccessKeyPrefix(p string) bool {
	return p == "AKIA" || p == "ASIA" || p == "ABIA" || p == "ACCA"
}

func isBase32(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '2' && c <= '7' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseDate reads a commit date: RFC 3339 (gitleaks), or git's
// "2006-01-02 15:04:05 -0700" (trufflehog, which may repeat the zone).
// Zero when it is neither.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	const git = "2006-01-02 15:04:05 -0700"
	if len(s) >= len(git) {
		if t, err := time.Parse(git, s[:len(git)]); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// jsonProblem describes a JSON error without quoting the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%s where %s was expected at byte %d", te.Value, te.Type, te.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return "invalid JSON"
}
