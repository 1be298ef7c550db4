package digest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyaudit/keyaudit/internal/digestgen"
	"github.com/keyaudit/keyaudit/verify/digest"
)

var (
	from = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to   = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

func TestParsePublicKeys(t *testing.T) {
	pub := &digestgen.Key().PublicKey
	for _, spki := range []bool{false, true} {
		keys, errs, err := digest.ParsePublicKeys(digestgen.PublicKeysJSON(from, to, spki, pub))
		if err != nil || len(errs) > 0 {
			t.Fatalf("spki=%v: %v %v", spki, err, errs)
		}
		if len(keys) != 1 {
			t.Fatalf("spki=%v: %d keys", spki, len(keys))
		}
		for fp, k := range keys {
			if !k.Key.Equal(pub) || !k.ValidFrom.Equal(from) || !k.ValidTo.Equal(to) || fp != k.Fingerprint {
				t.Errorf("spki=%v: key %s parsed wrong", spki, fp)
			}
			if !spki && fp != digestgen.Fingerprint(pub) {
				t.Errorf("PKCS#1 fingerprint %s, want the MD5 of the DER %s", fp, digestgen.Fingerprint(pub))
			}
		}
	}
	// One bad entry is left out, with its reason; the good one stays.
	var doc map[string][]map[string]any
	json.Unmarshal(digestgen.PublicKeysJSON(from, to, false, pub, &digestgen.OtherKey().PublicKey), &doc)
	doc["PublicKeyList"][1]["Fingerprint"] = "00000000000000000000000000000000"
	doc["PublicKeyList"] = append(doc["PublicKeyList"], map[string]any{"Value": base64.StdEncoding.EncodeToString([]byte("not DER"))}, map[string]any{"Value": "%%%"})
	b, _ := json.Marshal(doc)
	keys, errs, err := digest.ParsePublicKeys(b)
	if err != nil || len(keys) != 1 || len(errs) != 3 {
		t.Fatalf("keys %d, errs %v, err %v", len(keys), errs, err)
	}
	for i, want := range []string{"PublicKeyList[1]: Fingerprint 00000000000000000000000000000000 is not the MD5 of Value", "PublicKeyList[2]: Value is neither PKCS#1 nor SPKI", "PublicKeyList[3]: Value is not base64"} {
		if !strings.HasPrefix(errs[i].Error(), want) {
			t.Errorf("error %d: %q, want %q…", i, errs[i], want)
		}
	}
	if _, _, err := digest.ParsePublicKeys([]byte(`{"Keys":[]}`)); err == nil {
		t.Error("a document without PublicKeyList parsed")
	}
}

// TestVerify signs with digestgen (an independent implementation of the
// signing string) and verifies with digest.Verify.
func TestVerify(t *testing.T) {
	tr := digestgen.New()
	b := tr.Add(digestgen.Chain{Logs: []int{1, 1}})
	keys, _, _ := digest.ParsePublicKeys(digestgen.PublicKeysJSON(from, to, false, &digestgen.Key().PublicKey))
	other, _, _ := digest.ParsePublicKeys(digestgen.PublicKeysJSON(from, to, false, &digestgen.OtherKey().PublicKey))
	expired, _, _ := digest.ParsePublicKeys(digestgen.PublicKeysJSON(from, from.Add(time.Hour), false, &digestgen.Key().PublicKey))
	for i, k := range b.Digests {
		raw := digestgen.Gunzip(tr.Files[k])
		d, err := digest.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if err := digest.Verify(d, sum, b.Signatures[i], keys); err != nil {
			t.Errorf("digest %d: %v", i, err)
		}
		if err := digest.Verify(d, sum, b.Signatures[1-i], keys); !errors.Is(err, digest.ErrBadSignature) {
			t.Errorf("digest %d with the other digest's signature: %v", i, err)
		}
		sum[0] ^= 1
		if err := digest.Verify(d, sum, b.Signatures[i], keys); !errors.Is(err, digest.ErrBadSignature) {
			t.Errorf("digest %d with another hash: %v", i, err)
		}
		sum[0] ^= 1
		if err := digest.Verify(d, sum, b.Signatures[i], other); !errors.Is(err, digest.ErrNoKey) {
			t.Errorf("digest %d with the wrong key: %v", i, err)
		}
		if err := digest.Verify(d, sum, b.Signatures[i], expired); !errors.Is(err, digest.ErrKeyNotValid) {
			t.Errorf("digest %d with an expired key: %v", i, err)
		}
		if err := digest.Verify(d, sum, "zz", keys); !errors.Is(err, digest.ErrSignatureHex) {
			t.Errorf("digest %d with a non-hex signature: %v", i, err)
		}
		d.SignatureAlgorithm = "SHA1withRSA"
		if err := digest.Verify(d, sum, b.Signatures[i], keys); !errors.Is(err, digest.ErrAlgorithm) {
			t.Errorf("digest %d with another algorithm: %v", i, err)
		}
	}
	// The first digest is signed over "null" as previous signature.
	raw := digestgen.Gunzip(tr.Files[b.Digests[0]])
	d, _ := digest.Parse(raw)
	if msg := string(digest.SigningString(d, sha256.Sum256(raw))); !strings.HasSuffix(msg, "\nnull") || !strings.HasPrefix(msg, "2026-10-31T01:00:31Z\naudit-bucket/AWSLogs/") {
		t.Errorf("signing string %q", msg)
	}
}

func TestParseSignatures(t *testing.T) {
	var s digest.Saved
	if err := s.ParseSignatures(digestgen.HeadObjectJSON("abcd")); err != nil || len(s.Unnamed) != 1 || s.Unnamed[0] != "abcd" {
		t.Fatalf("head-object: %v %v", err, s.Unnamed)
	}
	if err := s.ParseSignatures([]byte(`{"copy/AWSLogs/111122223333/CloudTrail-Digest/x.json.gz": "00ff", "AWSLogs/2.json.gz": "11"}`)); err != nil {
		t.Fatal(err)
	}
	if s.ByKey["AWSLogs/111122223333/CloudTrail-Digest/x.json.gz"] != "00ff" || s.ByKey["AWSLogs/2.json.gz"] != "11" {
		t.Errorf("map form: %v", s.ByKey)
	}
	for in, want := range map[string]string{
		`[]`:                                 "not a JSON object",
		`{"Metadata": {}}`:                   "Metadata has no signature",
		`{"Metadata": {"signature": "xyz"}}`: "Metadata.signature is not hex",
		`{"Metadata": {"signature": "ab", "signature-algorithm": "MD5"}}`: "signature-algorithm",
		`{"x.json.gz": "ab"}`:        "no AWSLogs/ folder",
		`{"AWSLogs/x.json.gz": 5}`:   "want a hex signature string",
		`{"AWSLogs/x.json.gz": "a"}`: "signature is not hex",
	} {
		if err := s.ParseSignatures([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
