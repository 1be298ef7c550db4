package ctgen

import (
	"errors"
	"strings"
	"testing"
)

func TestCompareSessions(t *testing.T) {
	truth := []TruthRow{
		{AccessKeyID: "ASIA1", AccountID: "111111111111", RootKind: "iam_user", RootPrincipal: "arn:aws:iam::111111111111:user/a", RootAccessKeyID: "AKIA1", ChainDepth: 1},
		{AccessKeyID: "ASIA2", AccountID: "111111111111", RootKind: "unattributed"},
		{AccessKeyID: "ASIA3", AccountID: "222222222222", RootKind: "saml", RootPrincipal: "saml:Okta:a@example.com", ChainDepth: 2},
	}
	tests := []struct {
		name              string
		csv               string
		found, exact, ext int
		kindMiss          map[string]int
		err               bool
	}{
		{name: "all exact", found: 3, exact: 3, csv: "access_key_id,account_id,issued_by,root_kind,root_principal,root_access_key_id,chain_depth,note\n" +
			"ASIA1,111111111111,x,iam_user,arn:aws:iam::111111111111:user/a,AKIA1,1,\n" +
			"ASIA2,111111111111,,unattributed,,,,\"issued before, input\"\n" +
			"ASIA3,222222222222,,saml,saml:Okta:a@example.com,,2,\n"},
		{name: "wrong depth, missing key, extra row", found: 2, exact: 1, ext: 1, kindMiss: map[string]int{"saml": 1, "unattributed": 1},
			csv: "root_kind,access_key_id,account_id,root_principal,root_access_key_id,chain_depth\n" +
				"iam_user,ASIA1,111111111111,arn:aws:iam::111111111111:user/a,AKIA1,1\n" +
				"saml,ASIA3,222222222222,saml:Okta:a@example.com,,3\n" +
				"console,ASIA9,222222222222,x,,1\n"},
		{name: "missing column", csv: "access_key_id,account_id\nASIA1,1\n", err: true},
		{name: "duplicate key", csv: "access_key_id,account_id,root_kind,root_principal,root_access_key_id,chain_depth\nASIA2,111111111111,unattributed,,,\nASIA2,111111111111,unattributed,,,\n", err: true},
		{name: "empty", csv: "", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := CompareSessions(truth, strings.NewReader(tc.csv))
			if tc.err {
				if !errors.Is(err, ErrCompare) {
					t.Fatalf("err = %v, want ErrCompare", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Found != tc.found || c.Exact != tc.exact || c.Extra != tc.ext {
				t.Fatalf("found %d exact %d extra %d, want %d %d %d\n%s", c.Found, c.Exact, c.Extra, tc.found, tc.exact, tc.ext, c)
			}
			for k, v := range tc.kindMiss {
				if c.KindMiss[k] != v {
					t.Errorf("KindMiss[%s] = %d, want %d", k, c.KindMiss[k], v)
				}
			}
			if !strings.Contains(c.String(), "truth keys 3") {
				t.Errorf("String() = %q", c.String())
			}
		})
	}
}

func TestReadTruthRoundTrip(t *testing.T) {
	g, err := New(Config{Events: 2000, Files: 4, Accounts: 2, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := g.WriteTruth(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadTruth(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	want := g.Truth()
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i := range rows {
		if rows[i] != want[i] {
			t.Fatalf("row %d: %+v, want %+v", i, rows[i], want[i])
		}
	}
	for _, bad := range []string{"", "a,b\n", TruthHeader + "\nASIA1,1,,iam_user,x,,zero\n"} {
		if _, err := ReadTruth(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadTruth(%q): want error", bad)
		}
	}
}

func TestCompareKeys(t *testing.T) {
	truth := "account_id,user,access_key_id,created,status\n" +
		"111111111111,alice,AKIA1,2025-01-01T00:00:00Z,Active\n" +
		"111111111111,bob,AKIA2,2026-10-02T04:05:28Z,Deleted\n" +
		"111111111111,<root_account>,AKIA3,2022-01-19T00:00:00Z,Active\n"
	tests := []struct {
		name                         string
		got                          string
		found, exact, created, extra int
		miss                         map[string]int
		err                          bool
	}{
		{name: "exact, created partly known", found: 3, exact: 3, created: 1,
			got: "account_id,user,access_key_id,key_slot,status,created\n" +
				"111111111111,alice,AKIA1,1,Active,\n" +
				"111111111111,bob,AKIA2,unknown,Deleted,2026-10-02T04:05:28Z\n" +
				"111111111111,<root_account>,AKIA3,root,Active,\n"},
		{name: "wrong status and created, extra row", found: 2, exact: 1, created: 1, extra: 1, miss: map[string]int{"status": 1, "created": 1},
			got: "access_key_id,account_id,user,status,created\n" +
				"AKIA1,111111111111,alice,Active,2025-01-02T00:00:00Z\n" +
				"AKIA2,111111111111,bob,Inactive,\n" +
				"AKIA9,111111111111,eve,Active,\n"},
		{name: "missing column", got: "access_key_id,user\nAKIA1,alice\n", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := CompareKeys(strings.NewReader(truth), strings.NewReader(tc.got))
			if tc.err {
				if !errors.Is(err, ErrCompare) {
					t.Fatalf("err = %v, want ErrCompare", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.TruthKeys != 3 || c.Found != tc.found || c.Exact != tc.exact || c.CreatedKnown != tc.created || c.Extra != tc.extra {
				t.Fatalf("got %+v\n%s", c, c)
			}
			for k, v := range tc.miss {
				if c.FieldMiss[k] != v {
					t.Errorf("FieldMiss[%s] = %d, want %d", k, c.FieldMiss[k], v)
				}
			}
		})
	}
}
