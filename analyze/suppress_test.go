package analyze

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const goodSuppressions = `{
  "suppressions": [
    {
      "rule": "stale-key",
      "account": "111111111111",
      "user": "ci-bot",
      "reason": "rotated by the vault job, ticket SEC-12",
      "expires": "2027-01-31"
    },
    {"user": "svc-*", "reason": "service users are audited elsewhere"},
    {"rule": "unused-key", "key": "AKIAIOSFODNN7EXAMPLE", "slot": 2, "reason": "break-glass key", "expires": "2026-12-01T08:00:00+01:00"},
    {"rule": "*", "account": "2222222222??", "user": null, "reason": "sandbox accounts"}
  ]
}
`

func TestLoadSuppressions(t *testing.T) {
	sups, err := LoadSuppressions("muted.json", strings.NewReader(goodSuppressions))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(sups))
	for i, s := range sups {
		exp := "-"
		if !s.Expires.IsZero() {
			exp = s.Expires.Format(time.RFC3339Nano)
		}
		got[i] = fmt.Sprintf("%s rule=%q account=%q user=%q key=%q slot=%d reason=%q expires=%s",
			s.Where(), s.Rule, s.Account, s.User, s.Key, s.Slot, s.Reason, exp)
	}
	diffLines(t, got, []string{
		`muted.json:3 (suppressions[0]) rule="stale-key" account="111111111111" user="ci-bot" key="" slot=0 reason="rotated by the vault job, ticket SEC-12" expires=2027-01-31T23:59:59.999999999Z`,
		`muted.json:10 (suppressions[1]) rule="" account="" user="svc-*" key="" slot=0 reason="service users are audited elsewhere" expires=-`,
		`muted.json:11 (suppressions[2]) rule="unused-key" account="" user="" key="AKIAIOSFODNN7EXAMPLE" slot=2 reason="break-glass key" expires=2026-12-01T07:00:00Z`,
		`muted.json:12 (suppressions[3]) rule="*" account="2222222222??" user="" key="" slot=0 reason="sandbox accounts" expires=-`,
	})
	for _, in := range []string{`{}`, `{"suppressions": []}`, " {\"suppressions\":null} \n"} {
		sups, err := LoadSuppressions("x.json", strings.NewReader(in))
		if err != nil || len(sups) != 0 {
			t.Errorf("%s: got %d suppressions, err %v; want none", in, len(sups), err)
		}
	}
}

func TestLoadSuppressionsErrors(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	entry := func(e string) string {
		return "{\"suppressions\": [\n  {\"user\": \"a\", \"reason\": \"r\"},\n  " + e + "\n]}"
	}
	tests := []struct {
		name string
		in   string
		want error
		msg  string
	}{
		{"empty", "  \n", ErrSuppressionSyntax, "x.json: not a suppression file: empty file"},
		{"array", `[{"user":"a","reason":"r"}]`, ErrSuppressionSyntax, "x.json:1: not a suppression file: want a JSON object"},
		{"syntax", "{\"suppressions\": [\n  {\"user\": \"a\",\n   \"reason\": \"r\" \"x\"}]}", ErrSuppressionSyntax, "x.json:3: suppressions[0]: not a suppression file: invalid character"},
		{"truncated", "{\"suppressions\": [\n  {\"user\": \"a\"", ErrSuppressionSyntax, "x.json:2: suppressions[0]: not a suppression file: unexpected end of file"},
		{"top-level field", `{"suppression": []}`, ErrSuppressionSyntax, `unknown top-level field "suppression"`},
		{"twice", `{"suppressions": [], "suppressions": []}`, ErrSuppressionSyntax, `"suppressions" given twice`},
		{"not an array", `{"suppressions": {}}`, ErrSuppressionSyntax, `"suppressions" must be an array`},
		{"trailing data", `{"suppressions": []} {}`, ErrSuppressionSyntax, "data after the JSON object"},
		{"entry not object", entry(`"stale-key"`), ErrSuppressionEntry, "x.json:3: suppressions[1]: invalid suppression: want a JSON object"},
		{"no reason", entry(`{"user": "a"}`), errNoReason, "x.json:3: suppressions[1]: invalid suppression: reason is required"},
		{"blank reason", entry(`{"user": "a", "reason": "  "}`), errNoReason, "reason is required"},
		{"no matcher", entry(`{"reason": "r"}`), errNoMatcher, "suppressions[1]: invalid suppression: at least one of rule"},
		{"only wildcards", entry(`{"rule": "*", "account": "**", "user": "", "key": "*", "reason": "r"}`), errNoMatcher, "at least one of"},
		{"unknown field", entry(`{"users": "a", "reason": "r"}`), ErrSuppressionEntry, `unknown field "users"`},
		{"wrong type", entry(`{"rule": 3, "reason": "r"}`), ErrSuppressionEntry, "rule must be a string"},
		{"bad pattern", entry(`{"user": "[a", "reason": "r"}`), ErrSuppressionEntry, `user "[a" is not a valid pattern`},
		{"bad account", entry(`{"account": "1234", "reason": "r"}`), ErrSuppressionEntry, `account "1234" is not a 12-digit`},
		{"bad account chars", entry(`{"account": "prod*", "reason": "r"}`), ErrSuppressionEntry, `account "prod*"`},
		{"bad key", entry(`{"key": "akiaiosfodnn7example", "reason": "r"}`), ErrSuppressionEntry, "key is not an access key ID"},
		{"secret as key", entry(`{"key": "` + secret + `", "reason": "r"}`), ErrSuppressionEntry, "key is not an access key ID"},
		{"secret as field", entry(`{"` + secret + `": "x", "user": "a", "reason": "r"}`), ErrSuppressionEntry, `unknown field "(redacted)"`},
		{"bad date", entry(`{"user": "a", "reason": "r", "expires": "2027-13-01"}`), ErrSuppressionEntry, `expires "2027-13-01" is neither`},
		{"bad slot", entry(`{"user": "a", "reason": "r", "slot": 3}`), ErrSuppressionEntry, "slot must be 1 or 2"},
		{"slot not a number", entry(`{"user": "a", "reason": "r", "slot": "1"}`), ErrSuppressionEntry, "slot must be 1 or 2"},
		{"long value truncated", entry(`{"user": "a", "reason": "r", "expires": "` + strings.Repeat("é", 80) + `"}`), ErrSuppressionEntry, strings.Repeat("é", 32) + `..." is neither`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sups, err := LoadSuppressions("x.json", strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error; got %d suppressions", len(sups))
			}
			var se *SuppressionError
			if !errors.As(err, &se) || se.File != "x.json" {
				t.Errorf("error %T does not name the file: %v", err, err)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %v\nwant %v containing %q", err, tt.want, tt.msg)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes a secret: %v", err)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		_, err := LoadSuppressions("x.json", iotest.ErrReader(errors.New("disk on fire")))
		if err == nil || !strings.Contains(err.Error(), "suppression file x.json: read: disk on fire") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("too big", func(t *testing.T) {
		big := strings.NewReader(`{"suppressions": [` + strings.Repeat(" ", MaxSuppressionFileBytes) + `]}`)
		if _, err := LoadSuppressions("x.json", big); !errors.Is(err, ErrSuppressionTooBig) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestApplySuppressions(t *testing.T) {
	f := func(rule, account, user string, slot int, key string) Finding {
		return Finding{Rule: rule, Severity: Medium, AccountID: account, User: user, KeySlot: slot, AccessKeyID: key, AgeDays: -1}
	}
	findings := func() []Finding {
		return []Finding{
			f(RuleStaleKey, acct, "ci-bot", 1, "AKIAAAAAAAAAAAAAAAAA"),  // 0
			f(RuleUnusedKey, acct, "CI-Bot", 2, "AKIABBBBBBBBBBBBBBBB"), // 1
			f(RuleTwoActiveKeys, acct, "ci-bot", 0, ""),                 // 2
			f(RuleStaleKey, "222222222222", "alice", 1, ""),             // 3
			f(RuleRootAccessKey, acct, "<root_account>", 1, ""),         // 4
			f(RuleAtKeyQuota, "222222222299", "bob", 0, ""),             // 5
		}
	}
	sup := func(rule, account, user, key string, slot int, expires string) Suppression {
		s := Suppression{Rule: rule, Account: account, User: user, Key: key, Slot: slot, Reason: "r:" + rule + account + user + key + fmt.Sprint(slot)}
		if expires != "" {
			exp, err := parseExpires(expires)
			if err != nil {
				t.Fatal(err)
			}
			s.Expires = exp
		}
		return s
	}
	tests := []struct {
		name    string
		asOf    time.Time
		sups    []Suppression
		muted   map[int]string // finding index -> reason
		expired []int          // suppression indexes
		unused  []int
		matched map[int]int // suppression index -> findings matched
	}{
		{
			name:    "user, case-insensitive, every rule",
			sups:    []Suppression{sup("", "", "ci-bot", "", 0, "")},
			muted:   map[int]string{0: "r:ci-bot0", 1: "r:ci-bot0", 2: "r:ci-bot0"},
			matched: map[int]int{0: 3},
		},
		{
			name:    "rule and account",
			sups:    []Suppression{sup(RuleStaleKey, "222222222222", "", "", 0, "")},
			muted:   map[int]string{3: "r:stale-key2222222222220"},
			matched: map[int]int{0: 1},
		},
		{
			name:  "globs",
			sups:  []Suppression{sup("*-key", "", "", "", 0, ""), sup("", "2222222222??", "", "", 0, "")},
			muted: map[int]string{0: "r:*-key0", 1: "r:*-key0", 3: "r:*-key0", 4: "r:*-key0", 5: "r:2222222222??0"},
			// The second also matched finding 3, muted by the first.
			matched: map[int]int{0: 4, 1: 2},
		},
		{
			name:    "key and slot never match per-user findings",
			sups:    []Suppression{sup("", "", "", "AKIABBBBBBBBBBBBBBBB", 0, ""), sup("", acct, "ci-bot", "", 1, "")},
			muted:   map[int]string{1: "r:AKIABBBBBBBBBBBBBBBB0", 0: "r:111111111111ci-bot1"},
			matched: map[int]int{0: 1, 1: 1},
		},
		{
			name:    "unused suppressions are listed",
			sups:    []Suppression{sup(RuleStaleKey, "", "nobody", "", 0, ""), sup("", "", "alice", "", 0, "2026-12-01")},
			muted:   map[int]string{3: "r:alice0"},
			unused:  []int{0},
			matched: map[int]int{0: 0, 1: 1},
		},
		{
			name:    "date expiry: last nanosecond of the day still mutes",
			asOf:    time.Date(2026, 11, 26, 23, 59, 59, 999999999, time.UTC),
			sups:    []Suppression{sup("", "", "alice", "", 0, "2026-11-26")},
			muted:   map[int]string{3: "r:alice0"},
			matched: map[int]int{0: 1},
		},
		{
			name:    "date expiry: next day does not",
			asOf:    time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC),
			sups:    []Suppression{sup("", "", "alice", "", 0, "2026-11-26"), sup("", "", "nobody", "", 0, "2026-11-26")},
			expired: []int{0, 1},
			matched: map[int]int{0: 1, 1: 0},
		},
		{
			name:    "RFC 3339 expiry is inclusive of the instant",
			asOf:    time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC),
			sups:    []Suppression{sup("", "", "alice", "", 0, "2026-11-26T08:00:00+01:00"), sup("", "", "bob", "", 0, "2026-11-26T06:59:59Z")},
			muted:   map[int]string{3: "r:alice0"},
			expired: []int{1},
			matched: map[int]int{0: 1, 1: 1},
		},
		{
			name:    "expired one does not hide a later valid one",
			sups:    []Suppression{sup("", "", "alice", "", 0, "2020-01-01"), sup(RuleStaleKey, "", "alice", "", 0, "")},
			muted:   map[int]string{3: "r:stale-keyalice0"},
			expired: []int{0},
			matched: map[int]int{0: 1, 1: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(asOf)
			if !tt.asOf.IsZero() {
				cfg.AsOf = tt.asOf
			}
			fs := findings()
			stats := ApplySuppressions(cfg, fs, tt.sups)
			if len(fs) != len(findings()) {
				t.Fatalf("findings dropped")
			}
			for i, f := range fs {
				want, ok := tt.muted[i]
				if f.Muted != ok || f.MuteReason != want {
					t.Errorf("finding %d (%s %s): muted=%v reason=%q, want %v %q", i, f.Rule, f.User, f.Muted, f.MuteReason, ok, want)
				}
			}
			if stats.Muted != len(tt.muted) {
				t.Errorf("stats.Muted = %d, want %d", stats.Muted, len(tt.muted))
			}
			idx := func(us []SuppressionUse) []int {
				var out []int
				for _, u := range us {
					for j := range tt.sups {
						if u.Suppression == tt.sups[j] {
							out = append(out, j)
						}
					}
				}
				return out
			}
			if got := fmt.Sprint(idx(stats.Expired)); got != fmt.Sprint(tt.expired) {
				t.Errorf("expired = %s, want %v", got, tt.expired)
			}
			if got := fmt.Sprint(idx(stats.Unused)); got != fmt.Sprint(tt.unused) {
				t.Errorf("unused = %s, want %v", got, tt.unused)
			}
			if len(stats.Expired)+len(stats.Unused)+len(stats.Used) != len(tt.sups) {
				t.Errorf("stats list %d+%d+%d suppressions, want %d", len(stats.Expired), len(stats.Unused), len(stats.Used), len(tt.sups))
			}
			for _, u := range slices.Concat(stats.Expired, stats.Unused, stats.Used) {
				j := idx([]SuppressionUse{u})[0]
				if want := tt.matched[j]; u.Matched != want {
					t.Errorf("suppression %d matched %d, want %d", j, u.Matched, want)
				}
			}
		})
	}
	t.Run("already muted keeps its reason", func(t *testing.T) {
		fs := findings()
		fs[3].Muted, fs[3].MuteReason = true, "earlier"
		stats := ApplySuppressions(DefaultConfig(asOf), fs, []Suppression{sup("", "", "alice", "", 0, "")})
		if fs[3].MuteReason != "earlier" || stats.Muted != 0 || len(stats.Unused) != 0 {
			t.Errorf("got reason %q, stats %+v", fs[3].MuteReason, stats)
		}
	})
}

// TestSuppressionUnknownRule: a rule that names no rule is an error, as an
// unknown field is: file, line, entry, and the closest rule name.
func TestSuppressionUnknownRule(t *testing.T) {
	rules := append(RuleIDs(), "rotation-stalled", "foreign-key")
	in := `{"suppressions": [
  {"rule": "stale-key", "user": "a", "reason": "r"},
  {"rule": "rotation-*", "user": "a", "reason": "r"},
  {"rule": "*", "user": "a", "reason": "r"},
  {"user": "a", "reason": "r"}
]}`
	sups, err := LoadSuppressions("ok.json", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSuppressionRules(sups, rules); err != nil {
		t.Errorf("known rules and patterns refused: %v", err)
	}
	for _, tt := range []struct{ rule, want string }{
		{"stale-kee", `ignore.json:3: suppressions[1]: invalid suppression: unknown rule "stale-kee" (did you mean "stale-key"?); rules are root-access-key, stale-key,`},
		{"Stale-Key", `unknown rule "Stale-Key" (did you mean "stale-key"?)`},
		{"rotation_stalled", `(did you mean "rotation-stalled"?)`},
		{"stael-*", `rule pattern "stael-*" matches no rule (did you mean "stale-key"?)`},
		{"frobnicate", `unknown rule "frobnicate"; rules are `},
	} {
		in := `{"suppressions": [
  {"user": "a", "reason": "r"},
  {"rule": "` + tt.rule + `", "reason": "r"}
]}`
		sups, err := LoadSuppressions("ignore.json", strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		err = CheckSuppressionRules(sups, rules)
		var se *SuppressionError
		if !errors.As(err, &se) || !errors.Is(err, ErrSuppressionEntry) || se.Index != 1 || se.Line != 3 {
			t.Errorf("rule %q: error %#v, want a SuppressionError at line 3, entry 1", tt.rule, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("rule %q: %v\nwant it to say %q", tt.rule, err, tt.want)
		}
		if tt.rule == "frobnicate" && strings.Contains(err.Error(), "did you mean") {
			t.Errorf("suggested a rule for a word like none: %v", err)
		}
	}
}
