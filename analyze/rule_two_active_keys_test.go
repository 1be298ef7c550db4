package analyze

import "testing"

func TestTwoActiveKeys(t *testing.T) {
	arn := "arn:aws:iam::111111111111:user/"
	tests := []struct {
		name string
		keys []Key
		want []string
	}{
		{
			name: "both active",
			keys: user("a", never(ago(days(1))), used(ago(days(300)), ago(days(1)))),
			want: []string{`medium two-active-keys 111111111111 a slot=0 id="" status="" rotated=- used=- age=-1 "user has 2 active access keys"`},
		},
		{name: "one active, one inactive", keys: user("a", never(ago(days(1))), off(never(ago(days(1)))))},
		{name: "one key", keys: user("a", never(ago(days(1))), nil)},
		{name: "second slot only", keys: user("a", nil, never(ago(days(1))))},
		{name: "root with two active keys", keys: root(never(ago(days(1))), never(ago(days(1))))},
		{
			name: "several users",
			keys: concat(
				user("b", never(ago(days(1))), never(ago(days(2)))),
				user("a", never(ago(days(1))), never(ago(days(2)))),
				user("c", never(ago(days(1))), nil),
			),
			want: []string{
				`medium two-active-keys 111111111111 a slot=0 id="" status="" rotated=- used=- age=-1 "user has 2 active access keys"`,
				`medium two-active-keys 111111111111 b slot=0 id="" status="" rotated=- used=- age=-1 "user has 2 active access keys"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runRule(t, twoActiveKeys{}, DefaultConfig(asOf), tt.keys)
			diffLines(t, fmtFindings(got), tt.want)
			for _, f := range got {
				if f.ARN != arn+f.User {
					t.Errorf("ARN = %q, want %q", f.ARN, arn+f.User)
				}
			}
		})
	}
}
