package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel causes of a SuppressionError.
var (
	ErrSuppressionSyntax = errors.New("not a suppression file")
	ErrSuppressionEntry  = errors.New("invalid suppression")
	ErrSuppressionTooBig = errors.New("suppression file too large")
	errNoReason          = fmt.Errorf("%w: reason is required", ErrSuppressionEntry)
	errNoMatcher         = fmt.Errorf("%w: at least one of rule, account, user, key, slot must be more specific than any", ErrSuppressionEntry)
)

// MaxSuppressionFileBytes bounds what LoadSuppressions reads.
const MaxSuppressionFileBytes = 8 << 20

// Suppression mutes the findings it matches until it expires.
//
// Rule, Account and User are glob patterns (path.Match syntax: * ? [a-z]);
// User matches case-insensitively, as IAM user names are. Key is an access
// key ID matched exactly; Slot is 1 or 2. An empty pattern, "*" (or only
// stars) and Slot 0 match anything. A Key or Slot matcher never matches a
// per-user finding (KeySlot 0), and a Key matcher needs AccessKeyID filled
// in (SetAccessKeyIDs) before ApplySuppressions.
type Suppression struct {
	Rule    string
	Account string
	User    string
	Key     string
	Slot    int
	Reason  string

	// Expires is the last instant the suppression mutes; zero means never.
	// A date YYYY-MM-DD mutes through the end of that day, UTC.
	Expires time.Time

	// Where it was read from: file name, 0-based index in the
	// "suppressions" array and 1-based line of the entry.
	File  string
	Index int
	Line  int
}

// Where locates s for messages, e.g. "muted.json:12 (suppressions[3])".
// Without a line (a Suppression built in code) it is "file (suppressions[N])".
func (s Suppression) Where() string {
	if s.Line <= 0 {
		return fmt.Sprintf("%s (suppressions[%d])", s.File, s.Index)
	}
	return fmt.Sprintf("%s:%d (suppressions[%d])", s.File, s.Line, s.Index)
}

// Expired reports whether s no longer mutes at asOf: its expiry is strictly
// before asOf.
func (s Suppression) Expired(asOf time.Time) bool {
	return !s.Expires.IsZero() && asOf.After(s.Expires)
}

// Matches reports whether s matches f, ignoring expiry.
func (s Suppression) Matches(f Finding) bool {
	if !globMatch(s.Rule, f.Rule) || !globMatch(s.Account, f.AccountID) ||
		!globMatch(strings.ToLower(s.User), strings.ToLower(f.User)) {
		return false
	}
	if !isAny(s.Key) && (f.KeySlot == 0 || f.AccessKeyID != s.Key) {
		return false
	}
	if s.Slot != 0 && f.KeySlot != s.Slot {
		return false
	}
	return true
}

// isAny reports whether pattern p matches anything.
func isAny(p string) bool { return strings.Trim(p, "*") == "" }

func globMatch(pattern, s string) bool {
	if isAny(pattern) {
		return true
	}
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// SuppressionError locates a problem in a suppression file. Index is the
// 0-based entry in the "suppressions" array, -1 when the problem is not in
// one entry; Line is 1-based, 0 when unknown.
type SuppressionError struct {
	File  string
	Line  int
	Index int
	Err   error
}

func (e *SuppressionError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Index >= 0 {
		return fmt.Sprintf("suppression file %s: suppressions[%d]: %v", loc, e.Index, e.Err)
	}
	return fmt.Sprintf("suppression file %s: %v", loc, e.Err)
}

func (e *SuppressionError) Unwrap() error { return e.Err }

// LoadSuppressions reads a suppression file (see the package doc for the
// format) named name, for messages. Errors are *SuppressionError naming the
// file, the entry and its line; they quote only short, safe parts of the
// input.
func LoadSuppressions(name string, r io.Reader) ([]Suppression, error) {
	fail := func(line, index int, err error) error {
		return &SuppressionError{File: name, Line: line, Index: index, Err: err}
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxSuppressionFileBytes+1))
	if err != nil {
		return nil, fail(0, -1, fmt.Errorf("read: %w", err))
	}
	if len(data) > MaxSuppressionFileBytes {
		return nil, fail(0, -1, fmt.Errorf("%w (more than %d bytes)", ErrSuppressionTooBig, MaxSuppressionFileBytes))
	}
	if !utf8.Valid(data) {
		return nil, fail(0, -1, fmt.Errorf("%w: not UTF-8 text", ErrSuppressionSyntax))
	}
	lineAt := func(off int64) int {
		off = min(max(off, 0), int64(len(data)))
		return 1 + bytes.Count(data[:off], []byte{'\n'})
	}
	// syntax turns a decoding error into a SuppressionError at its line.
	syntax := func(index int, err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fail(lineAt(se.Offset), index, fmt.Errorf("%w: %s", ErrSuppressionSyntax, strings.TrimPrefix(se.Error(), "json: ")))
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail(lineAt(int64(len(data))), index, fmt.Errorf("%w: unexpected end of file", ErrSuppressionSyntax))
		}
		return fail(0, index, fmt.Errorf("%w: %v", ErrSuppressionSyntax, err))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(0, -1, fmt.Errorf("%w: empty file (want {\"suppressions\": [...]})", ErrSuppressionSyntax))
	}
	if tok, err := dec.Token(); err != nil {
		return nil, syntax(-1, err)
	} else if tok != json.Delim('{') {
		return nil, fail(lineAt(dec.InputOffset()), -1, fmt.Errorf("%w: want a JSON object {\"suppressions\": [...]}", ErrSuppressionSyntax))
	}
	var out []Suppression
	seen := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax(-1, err)
		}
		key, _ := tok.(string)
		if key != "suppressions" {
			return nil, fail(lineAt(dec.InputOffset()), -1, fmt.Errorf("%w: unknown top-level field %q (want \"suppressions\")", ErrSuppressionSyntax, short(key)))
		}
		if seen {
			return nil, fail(lineAt(dec.InputOffset()), -1, fmt.Errorf("%w: \"suppressions\" given twice", ErrSuppressionSyntax))
		}
		seen = true
		if tok, err := dec.Token(); err != nil {
			return nil, syntax(-1, err)
		} else if tok == nil { // "suppressions": null
			continue
		} else if tok != json.Delim('[') {
			return nil, fail(lineAt(dec.InputOffset()), -1, fmt.Errorf("%w: \"suppressions\" must be an array", ErrSuppressionSyntax))
		}
		for i := 0; dec.More(); i++ {
			line := lineAt(skipSpaceComma(data, dec.InputOffset()))
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, syntax(i, err)
			}
			s, err := parseSuppression(raw)
			if err != nil {
				return nil, fail(line, i, err)
			}
			s.File, s.Index, s.Line = name, i, line
			out = append(out, s)
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil, syntax(-1, err)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, syntax(-1, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fail(lineAt(dec.InputOffset()), -1, fmt.Errorf("%w: data after the JSON object", ErrSuppressionSyntax))
	}
	return out, nil
}

// skipSpaceComma returns the offset of the first byte at or after off that
// is neither JSON white space nor a comma: where the next value starts.
func skipSpaceComma(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// parseSuppression parses and checks one entry of the array.
func parseSuppression(raw json.RawMessage) (Suppression, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Suppression{}, fmt.Errorf("%w: want a JSON object", ErrSuppressionEntry)
	}
	var s Suppression
	str := func(name string, dst *string) error {
		v, ok := fields[name]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("%w: %s must be a string", ErrSuppressionEntry, name)
		}
		*dst = strings.TrimSpace(*dst)
		return nil
	}
	var expires string
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		v := fields[name]
		var err error
		switch name {
		case "rule":
			err = str(name, &s.Rule)
		case "account":
			err = str(name, &s.Account)
		case "user":
			err = str(name, &s.User)
		case "key":
			err = str(name, &s.Key)
		case "reason":
			err = str(name, &s.Reason)
		case "expires":
			err = str(name, &expires)
		case "slot":
			if string(v) != "null" {
				if e := json.Unmarshal(v, &s.Slot); e != nil || s.Slot < 0 || s.Slot > 2 {
					err = fmt.Errorf("%w: slot must be 1 or 2 (or 0 for any)", ErrSuppressionEntry)
				}
			}
		default:
			err = fmt.Errorf("%w: unknown field %q (want rule, account, user, key, slot, reason, expires)", ErrSuppressionEntry, short(name))
		}
		if err != nil {
			return Suppression{}, err
		}
	}
	if err := checkSuppression(&s, expires); err != nil {
		return Suppression{}, err
	}
	return s, nil
}

// checkSuppression validates s's matchers and parses expires into it.
func checkSuppression(s *Suppression, expires string) error {
	if s.Reason == "" {
		return errNoReason
	}
	if isAny(s.Rule) && isAny(s.Account) && isAny(s.User) && isAny(s.Key) && s.Slot == 0 {
		return errNoMatcher
	}
	for _, p := range []struct{ name, v string }{{"rule", s.Rule}, {"account", s.Account}, {"user", s.User}} {
		if _, err := path.Match(p.v, ""); err != nil {
			return fmt.Errorf("%w: %s %q is not a valid pattern", ErrSuppressionEntry, p.name, short(p.v))
		}
	}
	if !isAny(s.Account) {
		wild := strings.ContainsAny(s.Account, "*?[")
		if strings.Trim(s.Account, "0123456789*?[]-") != "" || (!wild && len(s.Account) != 12) {
			return fmt.Errorf("%w: account %q is not a 12-digit AWS account ID (or a pattern of one)", ErrSuppressionEntry, short(s.Account))
		}
	}
	if !isAny(s.Key) {
		if len(s.Key) < 16 || len(s.Key) > 128 || strings.Trim(s.Key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			return fmt.Errorf("%w: key is not an access key ID (16-128 upper-case letters and digits, e.g. AKIA...)", ErrSuppressionEntry)
		}
	}
	if expires != "" {
		t, err := parseExpires(expires)
		if err != nil {
			return err
		}
		s.Expires = t
	}
	return nil
}

// parseExpires reads YYYY-MM-DD (through the end of that day, UTC) or an
// RFC 3339 time (through that instant).
func parseExpires(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t.Add(Day - time.Nanosecond), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: expires %q is neither YYYY-MM-DD nor an RFC 3339 time", ErrSuppressionEntry, short(v))
}

// short makes v safe to quote in an error message: it is truncated to 64
// bytes, and a long run of base64-like characters (which could be a secret
// access key pasted in the wrong place) is not shown at all.
func short(v string) string {
	const n = 64
	if len(v) >= 32 && strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") == "" {
		return "(redacted)"
	}
	if len(v) <= n {
		return v
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "..."
}

// SuppressionUse is one suppression with the number of findings it matched
// (for an expired one: would have matched).
type SuppressionUse struct {
	Suppression
	Matched int
}

// SuppressionStats reports what ApplySuppressions did, so the CLI can warn
// about expired and unused suppressions. Lists keep the input order.
type SuppressionStats struct {
	Muted   int              // findings muted by this call
	Expired []SuppressionUse // suppressions expired at cfg.AsOf: they muted nothing
	Unused  []SuppressionUse // unexpired suppressions that matched no finding
	Used    []SuppressionUse // unexpired suppressions that matched, with counts
}

// ApplySuppressions marks, in place, every finding matched by an unexpired
// suppression: Muted true and MuteReason the reason of the first matching
// suppression in sups order. Findings are never dropped, and a finding
// already muted keeps its reason. A suppression is expired when its expiry
// is strictly before cfg.AsOf; with a zero AsOf nothing expires. Only
// cfg.AsOf is read.
func ApplySuppressions(cfg Config, findings []Finding, sups []Suppression) SuppressionStats {
	matched := make([]int, len(sups))
	expired := make([]bool, len(sups))
	for j, s := range sups {
		expired[j] = s.Expired(cfg.AsOf)
	}
	var stats SuppressionStats
	for i := range findings {
		f := &findings[i]
		for j, s := range sups {
			if !s.Matches(*f) {
				continue
			}
			matched[j]++
			if expired[j] || f.Muted {
				continue
			}
			f.Muted, f.MuteReason = true, s.Reason
			stats.Muted++
		}
	}
	for j, s := range sups {
		u := SuppressionUse{Suppression: s, Matched: matched[j]}
		switch {
		case expired[j]:
			stats.Expired = append(stats.Expired, u)
		case matched[j] == 0:
			stats.Unused = append(stats.Unused, u)
		default:
			stats.Used = append(stats.Used, u)
		}
	}
	return stats
}

// CheckSuppressionRules reports the first suppression whose rule names no
// rule of rules (every rule ID of the run: analyze's and the inventory's):
// a misspelt rule would otherwise mute nothing, silently. A pattern must
// match at least one rule. The error is a *SuppressionError at the entry,
// like an unknown field, and suggests the closest rule name when one is
// close.
func CheckSuppressionRules(sups []Suppression, rules []string) error {
	for _, s := range sups {
		if isAny(s.Rule) || slices.ContainsFunc(rules, func(r string) bool { return globMatch(s.Rule, r) }) {
			continue
		}
		what := fmt.Sprintf("unknown rule %q", short(s.Rule))
		if strings.ContainsAny(s.Rule, "*?[") {
			what = fmt.Sprintf("rule pattern %q matches no rule", short(s.Rule))
		}
		if c := closestRule(s.Rule, rules); c != "" {
			what += fmt.Sprintf(" (did you mean %q?)", c)
		}
		return &SuppressionError{File: s.File, Line: s.Line, Index: s.Index,
			Err: fmt.Errorf("%w: %s; rules are %s", ErrSuppressionEntry, what, strings.Join(rules, ", "))}
	}
	return nil
}

// closestRule returns the rule nearest to name (case and "_" for "-"
// ignored) by edit distance, or "" when none is within half of name's
// length. A pattern is compared by its literal prefix, with the rules'
// prefixes of that length.
func closestRule(name string, rules []string) string {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	pattern := false
	if i := strings.IndexAny(n, "*?["); i >= 0 {
		n, pattern = n[:i], true
	}
	if n == "" {
		return ""
	}
	best, bestD := "", len(n)/2+1
	for _, r := range rules {
		cmpTo := r
		if pattern {
			cmpTo = r[:min(len(r), len(n))]
		}
		if d := editDistance(n, cmpTo); d < bestD {
			best, bestD = r, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
