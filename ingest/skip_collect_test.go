package ingest

import "testing"

// The files keyaudit collect writes beside its inputs are skipped by name.
func TestSkipCollectFiles(t *testing.T) {
	for path, want := range map[string]string{
		"in/collect-manifest.json":              "keyaudit collect manifest",
		"in/collect-digest-signatures.json":     "keyaudit collect digest signatures",
		"in/collect-public-keys-us-east-1.json": "keyaudit collect CloudTrail public keys",
		"in/credential-reports/1.json":          "",
		"in/my-collect-manifest.json":           "",
	} {
		if _, got := skipByPath(path); got != want {
			t.Errorf("skipByPath(%s) = %q, want %q", path, got, want)
		}
	}
}
