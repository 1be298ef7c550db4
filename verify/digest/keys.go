package digest

import (
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PublicKey is one CloudTrail public key.
type PublicKey struct {
	Fingerprint string // lower-case hex MD5 of the DER bytes
	Key         *rsa.PublicKey
	// ValidFrom and ValidTo bound the digests the key signs
	// (ValidityStartTime, ValidityEndTime); zero when not given.
	ValidFrom, ValidTo time.Time
}

// MinKeyBits is the smallest RSA key ParsePublicKeys accepts; CloudTrail's
// keys are 2048 bits.
const MinKeyBits = 2048

// ParsePublicKeys reads the JSON of 'aws cloudtrail list-public-keys':
// {"PublicKeyList": [{"Value": base64 DER, "ValidityStartTime",
// "ValidityEndTime", "Fingerprint"}]}. Value may be PKCS#1 or SPKI DER.
// The fingerprint is computed from Value; a Fingerprint field that
// disagrees with it rejects that key. Keys that fail are left out and
// each has an error in errs (the entry's index and why); err is for a
// file that is not such a document at all.
func ParsePublicKeys(data []byte) (keys map[string]*PublicKey, errs []error, err error) {
	var doc struct {
		PublicKeyList *[]struct {
			Value             string          `json:"Value"`
			ValidityStartTime json.RawMessage `json:"ValidityStartTime"`
			ValidityEndTime   json.RawMessage `json:"ValidityEndTime"`
			Fingerprint       string          `json:"Fingerprint"`
		} `json:"PublicKeyList"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("not the JSON of aws cloudtrail list-public-keys: %v", err)
	}
	if doc.PublicKeyList == nil {
		return nil, nil, errors.New("no PublicKeyList: not the JSON of aws cloudtrail list-public-keys")
	}
	keys = map[string]*PublicKey{}
	for i, e := range *doc.PublicKeyList {
		fail := func(format string, a ...any) {
			errs = append(errs, fmt.Errorf("PublicKeyList[%d]: %s", i, fmt.Sprintf(format, a...)))
		}
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(e.Value))
		if err != nil || len(der) == 0 {
			fail("Value is not base64")
			continue
		}
		pub, err := parseRSA(der)
		if err != nil {
			fail("%v", err)
			continue
		}
		sum := md5.Sum(der)
		pk := &PublicKey{Fingerprint: hex.EncodeToString(sum[:]), Key: pub}
		if e.Fingerprint != "" && !strings.EqualFold(e.Fingerprint, pk.Fingerprint) {
			fail("Fingerprint %s is not the MD5 of Value (%s)", clip(e.Fingerprint), pk.Fingerprint)
			continue
		}
		if pk.ValidFrom, err = keyTime(e.ValidityStartTime); err != nil {
			fail("ValidityStartTime: %v", err)
			continue
		}
		if pk.ValidTo, err = keyTime(e.ValidityEndTime); err != nil {
			fail("ValidityEndTime: %v", err)
			continue
		}
		keys[pk.Fingerprint] = pk
	}
	return keys, errs, nil
}

func parseRSA(der []byte) (*rsa.PublicKey, error) {
	pub, err := x509.ParsePKCS1PublicKey(der)
	if err != nil {
		any, err2 := x509.ParsePKIXPublicKey(der)
		if err2 != nil {
			return nil, errors.New("Value is neither PKCS#1 nor SPKI DER of an RSA public key")
		}
		var ok bool
		if pub, ok = any.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("Value is a %T, not an RSA key", any)
		}
	}
	if pub.N.BitLen() < MinKeyBits {
		return nil, fmt.Errorf("RSA key of %d bits, fewer than %d", pub.N.BitLen(), MinKeyBits)
	}
	return pub, nil
}

// keyTime reads a time as the CLI prints it: RFC 3339 text ("2026-10-01T00:00:00+00:00"),
// or seconds since the epoch (the API's own JSON).
func keyTime(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("not an RFC 3339 time: %q", clip(s))
		}
		return t.UTC(), nil
	}
	var secs float64
	if err := json.Unmarshal(raw, &secs); err != nil {
		return time.Time{}, errors.New("neither a time string nor epoch seconds")
	}
	return time.Unix(0, int64(secs*1e9)).UTC(), nil
}
