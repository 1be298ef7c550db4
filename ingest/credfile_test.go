package ingest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCredentialsFilePartlyBad: one bad line in a credentials file must not
// lose the key IDs of its good lines, and the error must not quote a secret.
func TestCredentialsFilePartlyBad(t *testing.T) {
	const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYPARTLYBAD0001"
	p := filepath.Join(t.TempDir(), "credentials")
	data := "[good]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = " + secret +
		"\n[bad]\naws_access_key_id = not-a-key-id\n"
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	res, _ := run(t, []string{p}, Options{})
	if !slices.Equal(res.KeyIDs, []string{"AKIAIOSFODNN7EXAMPLE"}) {
		t.Errorf("key IDs = %v, want the good one", res.KeyIDs)
	}
	if len(res.Errors) != 1 {
		t.Fatalf("errors = %v, want one for the bad line", res.Errors)
	}
	if msg := res.Errors[0].Error(); strings.Contains(msg, secret[:20]) || !strings.Contains(msg, "credentials") {
		t.Errorf("error %q", msg)
	}
	if c := res.Stats[KindCredentialsFile]; c == nil || c.FilesFailed != 0 || c.Used != 1 {
		t.Errorf("stats = %+v", c)
	}
}
