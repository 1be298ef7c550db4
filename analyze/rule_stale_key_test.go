package analyze

import (
	"testing"
	"time"
)

func TestStaleKey(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		cfg  func(*Config)
		keys []Key
		want []string
	}{
		{name: "exactly 90 days is not stale", keys: user("a", used(ago(days(90)), ago(Day)), nil)},
		{
			name: "90 days and 1 ms is stale",
			keys: user("a", used(ago(days(90)+ms), ago(Day)), nil),
			want: []string{`high stale-key 111111111111 a slot=1 id="" status="Active" rotated=2026-08-28T11:59:59.999Z used=2026-11-25T12:00:00Z age=90 "key 1 last rotated 90 days ago (limit 90 days)"`},
		},
		{
			name: "143 days, never used",
			keys: user("a", never(ago(days(143))), nil),
			want: []string{`high stale-key 111111111111 a slot=1 id="" status="Active" rotated=2026-07-06T12:00:00Z used=- age=143 "key 1 last rotated 143 days ago (limit 90 days)"`},
		},
		{name: "inactive old key is not stale", keys: user("a", off(never(ago(days(400)))), nil)},
		{name: "rotated in the future", keys: user("a", never(asOf.Add(days(3))), nil)},
		{name: "root keys are left to root-access-key", keys: root(never(ago(days(400))), nil)},
		{name: "unknown rotation date", keys: user("a", never(time.Time{}), nil)},
		{
			name: "both slots, only the old one",
			keys: user("a", never(ago(days(20))), used(ago(days(91)), ago(Day))),
			want: []string{`high stale-key 111111111111 a slot=2 id="" status="Active" rotated=2026-08-27T12:00:00Z used=2026-11-25T12:00:00Z age=91 "key 2 last rotated 91 days ago (limit 90 days)"`},
		},
		{
			name: "custom limit in whole days",
			cfg:  func(c *Config) { c.MaxKeyAge = days(30) },
			keys: user("a", never(ago(days(30)+time.Hour)), nil),
			want: []string{`high stale-key 111111111111 a slot=1 id="" status="Active" rotated=2026-10-27T11:00:00Z used=- age=30 "key 1 last rotated 30 days ago (limit 30 days)"`},
		},
		{
			name: "custom limit not in days",
			cfg:  func(c *Config) { c.MaxKeyAge = 36 * time.Hour },
			keys: user("a", never(ago(37*time.Hour)), nil),
			want: []string{`high stale-key 111111111111 a slot=1 id="" status="Active" rotated=2026-11-24T23:00:00Z used=- age=1 "key 1 last rotated 1 day ago (limit 36h0m0s)"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(asOf)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			diffLines(t, fmtFindings(runRule(t, staleKey{}, cfg, tt.keys)), tt.want)
		})
	}
}
