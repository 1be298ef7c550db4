package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestVerifyUsesCollectFiles: in a folder laid out as keyaudit collect
// writes it, verify finds the saved digest signatures (collect's object
// form) and public keys without flags, and gives the same verdicts as with
// --public-keys and --signatures.
func TestVerifyUsesCollectFiles(t *testing.T) {
	fix := filepath.Join("..", "..", "verify", "testdata", "fixture")
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "s3", "org-trail-logs"), os.DirFS(filepath.Join(fix, "bucket"))); err != nil {
		t.Fatal(err)
	}
	keys, err := os.ReadFile(filepath.Join(fix, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "collect-public-keys-us-east-1.json"), keys, 0o600)
	type saved struct {
		Bucket    string `json:"bucket"`
		Key       string `json:"key"`
		Signature string `json:"signature"`
		Algorithm string `json:"signature_algorithm"`
	}
	sigs := map[string]saved{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		var head struct{ Metadata map[string]string }
		b, _ := os.ReadFile(filepath.Join(fix, "head-"+region+".json"))
		if err := json.Unmarshal(b, &head); err != nil {
			t.Fatal(err)
		}
		digests, _ := filepath.Glob(filepath.Join(dir, "s3", "org-trail-logs", "cloudtrail", "AWSLogs", "*", "*", "CloudTrail-Digest", region, "*", "*", "*", "*.json.gz"))
		if len(digests) == 0 {
			t.Fatalf("no digests for %s", region)
		}
		newest := digests[len(digests)-1] // names end in the digest time
		rel, _ := filepath.Rel(dir, newest)
		key := strings.TrimPrefix(filepath.ToSlash(rel), "s3/org-trail-logs/")
		sigs[filepath.ToSlash(rel)] = saved{Bucket: "org-trail-logs", Key: key, Signature: head.Metadata["signature"], Algorithm: "SHA256withRSA"}
	}
	b, _ := json.MarshalIndent(sigs, "", "  ")
	os.WriteFile(filepath.Join(dir, "collect-digest-signatures.json"), b, 0o600)

	code, auto, stderr := runCLI(t, "", "verify", "-f", "csv", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "verify: using what keyaudit collect saved: ") {
		t.Errorf("stderr does not say it used collect's files:\n%s", stderr)
	}
	code, flags, stderr := runCLI(t, "", "verify", "-f", "csv", "--public-keys", filepath.Join(fix, "keys.json"),
		"--signatures", filepath.Join(fix, "head-us-east-1.json"), "--signatures", filepath.Join(fix, "head-eu-west-1.json"), dir)
	if code != exitOK {
		t.Fatalf("with flags: exit %d: %s", code, stderr)
	}
	status := func(data string) string {
		recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("bad CSV (%v):\n%s", err, data)
		}
		col := slices.Index(recs[0], "status")
		var out []string
		for _, r := range recs[1:] {
			out = append(out, r[col])
		}
		return strings.Join(out, " ")
	}
	if status(auto) != status(flags) {
		t.Errorf("statuses differ:\nauto:  %s\nflags: %s", status(auto), status(flags))
	}
	if strings.Count(status(auto), "valid") < 10 {
		t.Errorf("signatures not checked: %s", status(auto))
	}
}
