package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/internal/digestgen"
	"github.com/keyaudit/keyaudit/internal/golden"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// fixtureDir is the signed bucket copy of the README example and of
// cmd/keyaudit/testdata/script/verify.txtar:
//
//	bucket/       aws s3 sync of s3://example-trail-bucket (S3 prefix cloudtrail/,
//	              organization trail org-trail of o-verify1234)
//	keys.json     aws cloudtrail list-public-keys
//	head-*.json   aws s3api head-object of each chain's newest digest
//
// `go test ./verify -run TestFixture -update` rebuilds it with a new key
// (the private key lives only in that test process), then
// `go test ./cmd/keyaudit -run TestScripts/verify -update` the script.
const fixtureDir = "testdata/fixture"

// buildFixture: us-east-1 is intact; eu-west-1 has a modified log, an
// appended gzip member, two missing digests and an injected log;
// 444455556666 us-west-2 has logs but no digests (validation off).
func buildFixture() (*digestgen.Tree, []*digestgen.Built) {
	tr := digestgen.New()
	org := func(region string, logs ...int) digestgen.Chain {
		return digestgen.Chain{Bucket: "example-trail-bucket", Prefix: "cloudtrail/", OrgID: "o-verify1234", Account: "111122223333",
			Region: region, HomeRegion: "us-east-1", Trail: "org-trail", Logs: logs}
	}
	east := tr.Add(org("us-east-1", 2, 0, 1, 1))
	west := tr.Add(org("eu-west-1", 1, 1, 1, 1, 1))
	tr.Files[west.Logs[0][0]] = digestgen.Gzip(digestgen.LogJSON("111122223333", "eu-west-1", t0.Add(4*time.Minute), "edited"))
	tr.Files[west.Logs[1][0]] = append(tr.Files[west.Logs[1][0]], digestgen.Gzip([]byte(`{"Records":[{"eventName":"DeleteTrail"}]}`))...)
	delete(tr.Files, west.Digests[2])
	delete(tr.Files, west.Digests[3])
	c := org("eu-west-1")
	tr.Files[c.LogKey(t0.Add(4*time.Hour+40*time.Minute), "Injected0000001a")] = digestgen.Gzip(digestgen.LogJSON("111122223333", "eu-west-1", t0.Add(4*time.Hour+39*time.Minute), "injected"))
	off := digestgen.Chain{Prefix: "cloudtrail/", OrgID: "o-verify1234", Account: "444455556666", Region: "us-west-2"}
	tr.Files[off.LogKey(t0.Add(20*time.Minute), "NoValidation0001")] = digestgen.Gzip(digestgen.LogJSON("444455556666", "us-west-2", t0.Add(19*time.Minute), "off"))
	return tr, []*digestgen.Built{east, west}
}

func TestFixture(t *testing.T) {
	if golden.Update() {
		os.RemoveAll(fixtureDir)
		tr, built := buildFixture()
		if err := tr.Write(filepath.Join(fixtureDir, "bucket")); err != nil {
			t.Fatal(err)
		}
		write := func(name string, b []byte) {
			if err := os.WriteFile(filepath.Join(fixtureDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("keys.json", digestgen.PublicKeysJSON(keysFrom, keysUntil, false, &tr.Key.PublicKey))
		write("head-us-east-1.json", digestgen.HeadObjectJSON(built[0].HeadSignature))
		write("head-eu-west-1.json", digestgen.HeadObjectJSON(built[1].HeadSignature))
	}
	keys, err := os.ReadFile(filepath.Join(fixtureDir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	saved := &digest.Saved{}
	for _, h := range []string{"head-us-east-1.json", "head-eu-west-1.json"} {
		b, err := os.ReadFile(filepath.Join(fixtureDir, h))
		if err != nil {
			t.Fatal(err)
		}
		if err := saved.ParseSignatures(b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Run(context.Background(), []string{filepath.Join(fixtureDir, "bucket")}, Options{Keys: mustKeys(t, keys), Saved: saved})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, string(r.Status)+" "+r.Kind.String())
	}
	want := []string{
		// eu-west-1: digest 0, its edited log; digest 1, its log with an
		// appended member; hours 2 and 3 missing with their logs; digest 4,
		// its log, the injected log.
		"valid digest", "modified log", "consistent digest", "trailing-data log", "missing digest", "not-covered log", "not-covered log",
		"valid digest", "valid log", "unreferenced log",
		// us-east-1: intact, the head signed by its saved signature.
		"valid digest", "valid log", "valid log", "valid digest", "valid digest", "valid log", "valid digest", "valid log",
		// 444455556666 us-west-2: no digests.
		"not-covered log",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fixture rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}
