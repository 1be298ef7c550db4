package digest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// SigningString is the message CloudTrail signs for the digest d whose
// uncompressed bytes hash to sum:
//
//	digestEndTime \n digestS3Bucket/digestS3Object \n hex(sum) \n previousDigestSignature
//
// with the literal "null" for a digest that starts its chain.
func SigningString(d *Digest, sum [sha256.Size]byte) []byte {
	prev := d.PrevSignature
	if d.IsStart() {
		prev = "null"
	}
	return []byte(d.EndTimeRaw + "\n" + d.S3Bucket + "/" + d.S3Object + "\n" + hex.EncodeToString(sum[:]) + "\n" + prev)
}

// Causes of the error Verify returns.
var (
	ErrNoKey        = errors.New("no public key with this fingerprint")
	ErrKeyNotValid  = errors.New("public key not valid at digestEndTime")
	ErrAlgorithm    = errors.New("unsupported signature algorithm")
	ErrSignatureHex = errors.New("signature is not hex")
	ErrBadSignature = errors.New("signature does not verify")
)

// Verify checks sigHex, the hex signature of d (from its successor's
// previousDigestSignature or saved metadata), against the key of keys that
// d names. sum is the SHA-256 of d's uncompressed bytes.
func Verify(d *Digest, sum [sha256.Size]byte, sigHex string, keys map[string]*PublicKey) error {
	if d.SignatureAlgorithm != SignatureAlgorithm {
		return fmt.Errorf("%w %q", ErrAlgorithm, clip(d.SignatureAlgorithm))
	}
	pk := keys[d.PublicKeyFingerprint]
	if pk == nil {
		return fmt.Errorf("%w %s", ErrNoKey, d.PublicKeyFingerprint)
	}
	if !pk.ValidFrom.IsZero() && d.EndTime.Before(pk.ValidFrom) || !pk.ValidTo.IsZero() && d.EndTime.After(pk.ValidTo) {
		return fmt.Errorf("%w: key %s is valid %s to %s", ErrKeyNotValid, pk.Fingerprint, fmtKeyTime(pk.ValidFrom), fmtKeyTime(pk.ValidTo))
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) == 0 {
		return ErrSignatureHex
	}
	h := sha256.Sum256(SigningString(d, sum))
	if rsa.VerifyPKCS1v15(pk.Key, crypto.SHA256, h[:], sig) != nil {
		return fmt.Errorf("%w with key %s", ErrBadSignature, pk.Fingerprint)
	}
	return nil
}

func fmtKeyTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
