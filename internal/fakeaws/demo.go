package fakeaws

import (
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Demo organization of testdata/demo.
const (
	DemoManagement = "111122223333"
	DemoDev        = "444455556666"
	DemoSandbox    = "777788889999"
	DemoOrgID      = "o-demo1234ab"
	// DemoSignature is the S3 metadata signature of every demo digest.
	DemoSignature = "3045022100deadbeef"
	// DemoGenerated is the GeneratedTime of the demo credential reports.
	DemoGenerated = "2026-11-01T06:00:00Z"
)

// LoadDemo makes s the demo organization of the folder demo
// (testdata/demo): its three accounts with their credential reports, and
// its CloudTrail tree in bucket under prefix/AWSLogs/..., digests with
// signature metadata. It also sets two public keys.
func (s *Server) LoadDemo(demo, bucket, prefix string) error {
	s.OrgID = DemoOrgID
	gen, _ := time.Parse(time.RFC3339, DemoGenerated)
	var err error
	rep := func(name string) []byte {
		b, e := os.ReadFile(filepath.Join(demo, "reports", name))
		if e != nil {
			err = e
			return nil
		}
		if strings.HasSuffix(name, ".json") {
			var doc struct{ Content string }
			json.Unmarshal(b, &doc)
			b, _ = base64.StdEncoding.DecodeString(doc.Content)
		}
		return b
	}
	s.Add(
		&Account{ID: DemoManagement, Name: "prod", Report: rep("prod-111122223333.csv"), GeneratedTime: gen},
		&Account{ID: DemoDev, Name: "dev", Report: rep("dev-444455556666.csv"), GeneratedTime: gen},
		&Account{ID: DemoSandbox, Name: "sandbox", Report: rep("sandbox-777788889999.json"), GeneratedTime: gen},
	)
	if err != nil {
		return err
	}
	root := filepath.Join(demo, "cloudtrail")
	err = filepath.WalkDir(filepath.Join(root, "AWSLogs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		key := strings.TrimPrefix(strings.Trim(prefix, "/")+"/", "/") + filepath.ToSlash(rel)
		var meta map[string]string
		if strings.Contains(key, "/CloudTrail-Digest/") {
			meta = map[string]string{"signature": DemoSignature, "signature-algorithm": "SHA256withRSA"}
		}
		s.PutObject(bucket, key, b, meta)
		return nil
	})
	s.PublicKeys = []PublicKey{
		{Value: []byte("key-one"), Start: gen.Add(-90 * 24 * time.Hour), End: gen, Fingerprint: "fp1"},
		{Value: []byte("key-two"), Start: gen, End: gen.Add(90 * 24 * time.Hour), Fingerprint: "fp2"},
	}
	return err
}
