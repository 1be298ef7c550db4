package analyze

import (
	"testing"
	"time"
)

func TestRootAccessKey(t *testing.T) {
	tests := []struct {
		name string
		keys []Key
		want []string
	}{
		{
			name: "active key",
			keys: root(used(ago(days(400)), ago(days(3))), nil),
			want: []string{`critical root-access-key 111111111111 <root_account> slot=1 id="" status="Active" rotated=2025-10-22T12:00:00Z used=2026-11-23T12:00:00Z age=400 "root user has active access key 1, last rotated 400 days ago"`},
		},
		{
			name: "inactive key",
			keys: root(nil, off(never(ago(days(2))))),
			want: []string{`high root-access-key 111111111111 <root_account> slot=2 id="" status="Inactive" rotated=2026-11-24T12:00:00Z used=- age=2 "root user has inactive access key 2, last rotated 2 days ago"`},
		},
		{
			name: "two keys, one finding each",
			keys: root(off(never(ago(days(1)))), never(ago(time.Hour))),
			want: []string{
				`critical root-access-key 111111111111 <root_account> slot=2 id="" status="Active" rotated=2026-11-26T11:00:00Z used=- age=0 "root user has active access key 2, last rotated less than a day ago"`,
				`high root-access-key 111111111111 <root_account> slot=1 id="" status="Inactive" rotated=2026-11-25T12:00:00Z used=- age=1 "root user has inactive access key 1, last rotated 1 day ago"`,
			},
		},
		{
			name: "rotated in the future",
			keys: root(never(asOf.Add(12*time.Hour)), nil),
			want: []string{`critical root-access-key 111111111111 <root_account> slot=1 id="" status="Active" rotated=2026-11-27T00:00:00Z used=- age=0 "root user has active access key 1, last rotated on 2026-11-27, after the as-of time"`},
		},
		{
			name: "unknown rotation date",
			keys: root(never(time.Time{}), nil),
			want: []string{`critical root-access-key 111111111111 <root_account> slot=1 id="" status="Active" rotated=- used=- age=-1 "root user has active access key 1"`},
		},
		{
			name: "rotated days in the future",
			keys: root(never(asOf.Add(days(3))), nil),
			want: []string{`critical root-access-key 111111111111 <root_account> slot=1 id="" status="Active" rotated=2026-11-29T12:00:00Z used=- age=0 "root user has active access key 1, last rotated on 2026-11-29, after the as-of time"`},
		},
		{name: "IAM users are not root", keys: user("a", never(ago(days(400))), never(ago(days(400))))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffLines(t, fmtFindings(runRule(t, rootAccessKey{}, DefaultConfig(asOf), tt.keys)), tt.want)
		})
	}
}
