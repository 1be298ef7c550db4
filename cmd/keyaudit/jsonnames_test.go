package main

import "testing"

func TestSnakeName(t *testing.T) {
	for in, want := range map[string]string{
		"AccessKeyID": "access_key_id", "IssuerAccessKeyID": "issuer_access_key_id", "UsedByARN": "used_by_arn",
		"ChainDepth": "chain_depth", "access_key_id": "access_key_id", "ID": "id", "RootKind": "root_kind", "Source2IP": "source2_ip",
	} {
		if got := snakeName(in); got != want {
			t.Errorf("snakeName(%q) = %q, want %q", in, got, want)
		}
	}
}
