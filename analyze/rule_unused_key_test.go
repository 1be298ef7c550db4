package analyze

import (
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

func TestUnusedKey(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name string
		cfg  func(*Config)
		keys []Key
		want []string
	}{
		{name: "used exactly 45 days ago", keys: user("a", used(ago(days(300)), ago(days(45))), nil)},
		{
			name: "used 45 days and 1 ms ago",
			keys: user("a", used(ago(days(300)), ago(days(45)+ms)), nil),
			want: []string{`medium unused-key 111111111111 a slot=1 id="" status="Active" rotated=2026-01-30T12:00:00Z used=2026-10-12T11:59:59.999Z age=45 "key 1 last used 45 days ago (limit 45 days)"`},
		},
		{name: "fresh never-used key", keys: user("a", never(ago(days(10))), nil)},
		{name: "never used, created exactly 45 days ago", keys: user("a", never(ago(days(45))), nil)},
		{
			name: "old never-used key",
			keys: user("a", never(ago(days(46))), nil),
			want: []string{`medium unused-key 111111111111 a slot=1 id="" status="Active" rotated=2026-10-11T12:00:00Z used=- age=46 "key 1 never used; created or rotated 46 days ago (limit 45 days)"`},
		},
		{
			name: "no information counts from rotation",
			keys: user("a", noInfo(ago(days(100))), nil),
			want: []string{`medium unused-key 111111111111 a slot=1 id="" status="Active" rotated=2026-08-18T12:00:00Z used=- age=100 "key 1 has no usage information; last rotated 100 days ago (limit 45 days)"`},
		},
		{name: "no information, recent rotation", keys: user("a", noInfo(ago(days(5))), nil)},
		{
			name: "used state without a date counts from rotation",
			keys: user("a", &Key{Active: true, LastRotated: ago(days(50)), LastUsedState: credreport.StateUsed}, nil),
			want: []string{`medium unused-key 111111111111 a slot=1 id="" status="Active" rotated=2026-10-07T12:00:00Z used=- age=50 "key 1 has no usage information; last rotated 50 days ago (limit 45 days)"`},
		},
		{
			name: "last use before rotation counts from rotation",
			keys: user("a", used(ago(days(50)), ago(days(400))), used(ago(days(10)), ago(days(400)))),
			want: []string{`medium unused-key 111111111111 a slot=1 id="" status="Active" rotated=2026-10-07T12:00:00Z used=2025-10-22T12:00:00Z age=50 "key 1 last used before its last rotation, 50 days ago (limit 45 days)"`},
		},
		{name: "old rotation, recent use", keys: user("a", used(ago(days(500)), ago(days(2))), nil)},
		{name: "inactive never-used key", keys: user("a", off(never(ago(days(400)))), nil)},
		{name: "inactive unused key", keys: user("a", off(used(ago(days(400)), ago(days(300)))), nil)},
		{name: "root", keys: root(never(ago(days(400))), nil)},
		{name: "used in the future", keys: user("a", used(ago(days(400)), asOf.Add(time.Hour)), nil)},
		{name: "no dates at all", keys: user("a", never(time.Time{}), nil)},
		{
			name: "custom limit, second slot",
			cfg:  func(c *Config) { c.MaxUnused = days(7) },
			keys: user("a", used(ago(days(10)), ago(days(1))), used(ago(days(10)), ago(days(8)))),
			want: []string{`medium unused-key 111111111111 a slot=2 id="" status="Active" rotated=2026-11-16T12:00:00Z used=2026-11-18T12:00:00Z age=8 "key 2 last used 8 days ago (limit 7 days)"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(asOf)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			diffLines(t, fmtFindings(runRule(t, unusedKey{}, cfg, tt.keys)), tt.want)
		})
	}
}
