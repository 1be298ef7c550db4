package demogen

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/keyaudit/keyaudit/collect/layout"
	"github.com/keyaudit/keyaudit/internal/digestgen"
)

// demoKeyPEM signs the demo's digests. It is a throwaway key made for this
// test data only (openssl genrsa 2048): nothing trusts it, and it is kept
// so that the demo is the same bytes on every regeneration.
//
//go:embed testdata/demo-signing-key.pem
var demoKeyPEM []byte

// The demo trail turned log file validation on at chainStart on chainDay:
// prod's us-east-1 has a chain of hourly digests from then on, the last
// listing the day's log file (delivered at 23:55).
const (
	chainDay    = "2026-10-31"
	chainBucket = "org-trail"
	chainTrail  = "org-trail"
	chainHours  = 3
)

var chainStart = time.Date(2026, 10, 31, 21, 0, 31, 0, time.UTC)

func demoKey() (*rsa.PrivateKey, error) {
	b, _ := pem.Decode(demoKeyPEM)
	if b == nil {
		return nil, errors.New("demo signing key: not PEM")
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("demo signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("demo signing key: not RSA")
	}
	return rk, nil
}

// writeDigestChain writes prod's us-east-1 digests, signed, and, as
// keyaudit collect saves them beside the logs, the digests' S3 signatures
// and CloudTrail's public key, so that `keyaudit verify
// testdata/demo/cloudtrail` checks the chain with no flags. raw is the
// JSON of the log file the last digest lists.
func writeDigestChain(dir string, raw []byte) error {
	if raw == nil {
		return errors.New("demo: no prod us-east-1 log file on " + chainDay)
	}
	key, err := demoKey()
	if err != nil {
		return err
	}
	base := "AWSLogs/" + OrgID + "/" + Prod + "/"
	logKey := base + "CloudTrail/us-east-1/2026/10/31/" + Prod + "_CloudTrail_us-east-1_20261031T2355Z_demo1.json.gz"
	sum := sha256.Sum256(raw)
	type saved struct {
		Bucket    string `json:"bucket"`
		Key       string `json:"key"`
		Signature string `json:"signature"`
		Algorithm string `json:"signature_algorithm"`
	}
	sigs := map[string]saved{}
	var prevKey, prevHash, prevSig string
	for h := range chainHours {
		start := chainStart.Add(time.Duration(h) * time.Hour)
		end := start.Add(time.Hour)
		dk := base + "CloudTrail-Digest/us-east-1/" + end.Format("2006/01/02") + "/" +
			fmt.Sprintf("%s_CloudTrail-Digest_us-east-1_%s_us-east-1_%s.json.gz", Prod, chainTrail, end.Format("20060102T150405Z"))
		files := []any{}
		var newest, oldest any
		if h == chainHours-1 {
			files = append(files, ev{"s3Bucket": chainBucket, "s3Object": logKey, "hashValue": hex.EncodeToString(sum[:]), "hashAlgorithm": "SHA-256",
				"newestEventTime": "2026-10-31T23:10:00Z", "oldestEventTime": "2026-10-31T00:00:00Z"})
			newest, oldest = "2026-10-31T23:10:00Z", "2026-10-31T00:00:00Z"
		}
		doc := ev{
			"awsAccountId": Prod, "digestStartTime": start.Format(time.RFC3339), "digestEndTime": end.Format(time.RFC3339),
			"digestS3Bucket": chainBucket, "digestS3Object": dk,
			"digestPublicKeyFingerprint": digestgen.Fingerprint(&key.PublicKey), "digestSignatureAlgorithm": "SHA256withRSA",
			"newestEventTime": newest, "oldestEventTime": oldest,
			"previousDigestS3Bucket": nil, "previousDigestS3Object": nil, "previousDigestHashValue": nil,
			"previousDigestHashAlgorithm": nil, "previousDigestSignature": nil,
			"logFiles": files,
		}
		if prevKey != "" {
			doc["previousDigestS3Bucket"], doc["previousDigestS3Object"] = chainBucket, prevKey
			doc["previousDigestHashValue"], doc["previousDigestHashAlgorithm"] = prevHash, "SHA-256"
			doc["previousDigestSignature"] = prevSig
		}
		body, err := writeJSON(filepath.Join(dir, filepath.FromSlash(dk)), doc, true)
		if err != nil {
			return err
		}
		sig := digestgen.Sign(key, body, doc)
		sigs[dk] = saved{Bucket: chainBucket, Key: dk, Signature: sig, Algorithm: "SHA256withRSA"}
		ds := sha256.Sum256(body)
		prevKey, prevHash, prevSig = dk, hex.EncodeToString(ds[:]), sig
	}
	if _, err := writeJSON(filepath.Join(dir, layout.SignaturesName), sigs, false); err != nil {
		return err
	}
	keys := digestgen.PublicKeysJSON(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), false, &key.PublicKey)
	return os.WriteFile(filepath.Join(dir, layout.PublicKeysPrefix+"us-east-1.json"), keys, 0o644)
}
