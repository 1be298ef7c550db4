package analyze

import "testing"

func TestAtKeyQuota(t *testing.T) {
	const want = `low at-key-quota 111111111111 a slot=0 id="" status="" rotated=- used=- age=-1 "user has 2 access keys, 1 inactive: delete the inactive key before rotating"`
	tests := []struct {
		name string
		keys []Key
		want []string
	}{
		{name: "active and inactive", keys: user("a", never(ago(days(1))), off(never(ago(days(100))))), want: []string{want}},
		{name: "inactive and active", keys: user("a", off(never(ago(days(100)))), never(ago(days(1)))), want: []string{want}},
		{name: "both inactive", keys: user("a", off(never(ago(days(1)))), off(never(ago(days(1)))))},
		{name: "both active", keys: user("a", never(ago(days(1))), never(ago(days(1))))},
		{name: "one inactive key", keys: user("a", off(never(ago(days(1)))), nil)},
		{name: "root", keys: root(never(ago(days(1))), off(never(ago(days(1)))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffLines(t, fmtFindings(runRule(t, atKeyQuota{}, DefaultConfig(asOf), tt.keys)), tt.want)
		})
	}
}
