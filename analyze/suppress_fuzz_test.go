package analyze

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoadSuppressions checks that no input panics, that every error is a
// *SuppressionError naming the file, and that what loads is valid.
func FuzzLoadSuppressions(f *testing.F) {
	f.Add(goodSuppressions)
	f.Add(`{"suppressions": [{"user": "a", "reason": "r", "slot": 1}]}`)
	f.Add(`{"suppressions": [{"key": "AKIAIOSFODNN7EXAMPLE", "reason": "r", "expires": "2026-01-01T00:00:00Z"}]}`)
	f.Add(`{"suppressions": [{"rule": "[", "reason": "r"}]}`)
	f.Add(`{"suppressions": null}`)
	f.Add(`[1, 2`)
	f.Fuzz(func(t *testing.T, in string) {
		sups, err := LoadSuppressions("f.json", strings.NewReader(in))
		if err != nil {
			var se *SuppressionError
			if !errors.As(err, &se) || se.File != "f.json" || !strings.HasPrefix(err.Error(), "suppression file f.json") {
				t.Fatalf("bad error %T: %v", err, err)
			}
			return
		}
		for i, s := range sups {
			if s.Reason == "" || s.Index != i || s.Line < 1 || s.File != "f.json" {
				t.Fatalf("invalid suppression loaded: %+v", s)
			}
			if isAny(s.Rule) && isAny(s.Account) && isAny(s.User) && isAny(s.Key) && s.Slot == 0 {
				t.Fatalf("suppression without a matcher loaded: %+v", s)
			}
			s.Matches(Finding{Rule: RuleStaleKey, AccountID: acct, User: "a", KeySlot: 1})
		}
	})
}
