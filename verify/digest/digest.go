package digest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// Sentinel causes of a ParseError.
var (
	// ErrSyntax: the bytes are not a JSON object, or a field has the wrong
	// JSON type.
	ErrSyntax = errors.New("not a digest JSON object")
	// ErrMissing: a required field is absent, null or empty.
	ErrMissing = errors.New("missing")
	// ErrInvalid: a field is present but malformed (a 63-digit hash, a time
	// that is not RFC 3339, an account ID that is not 12 digits ...).
	ErrInvalid = errors.New("malformed")
)

// ParseError is an error in one field of a digest file.
type ParseError struct {
	Field string // JSON field name, "logFiles[3].hashValue"; "" for the whole document
	Err   error  // wraps one of the sentinels
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return "digest: " + e.Err.Error()
	}
	return "digest: " + e.Field + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Algorithms CloudTrail uses; a digest naming others is parsed, and
// its signature or hash check fails with the name in the reason.
const (
	SignatureAlgorithm = "SHA256withRSA"
	HashAlgorithm      = "SHA-256"
)

// Digest is one parsed digest file. Times are UTC; a zero time is a null
// or absent optional field.
type Digest struct {
	AccountID string
	// StartTime and EndTime bound the hour the digest covers. EndTimeRaw is
	// digestEndTime verbatim, as it is signed.
	StartTime, EndTime time.Time
	EndTimeRaw         string
	S3Bucket, S3Object string // where CloudTrail wrote this digest

	PublicKeyFingerprint string // lower-case hex MD5 of the signing key's DER bytes
	SignatureAlgorithm   string

	NewestEventTime, OldestEventTime time.Time

	// The link to the previous digest: all empty when IsStart.
	PrevS3Bucket, PrevS3Object string
	PrevHash                   string // lower-case hex SHA-256 of the uncompressed previous digest
	PrevHashAlgorithm          string
	PrevSignature              string // hex, verbatim (it is signed verbatim)

	LogFiles []LogFile
}

// IsStart says whether the digest starts a chain: it names no previous
// digest (the first digest after validation or logging was turned on).
func (d *Digest) IsStart() bool { return d.PrevS3Object == "" }

// LogFile is one entry of logFiles.
type LogFile struct {
	S3Bucket, S3Object string
	Hash               string // lower-case hex SHA-256 of the uncompressed log
	HashAlgorithm      string
	NewestEventTime    time.Time
	OldestEventTime    time.Time
	// Err is this entry's *ParseError (a malformed hashValue, say); the
	// entry's other fields are kept as far as they parsed.
	Err error
}

// rawDigest mirrors the JSON; pointers tell null and absent from "".
type rawDigest struct {
	AWSAccountID               *string       `json:"awsAccountId"`
	DigestStartTime            *string       `json:"digestStartTime"`
	DigestEndTime              *string       `json:"digestEndTime"`
	DigestS3Bucket             *string       `json:"digestS3Bucket"`
	DigestS3Object             *string       `json:"digestS3Object"`
	DigestPublicKeyFingerprint *string       `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm   *string       `json:"digestSignatureAlgorithm"`
	NewestEventTime            *string       `json:"newestEventTime"`
	OldestEventTime            *string       `json:"oldestEventTime"`
	PreviousDigestS3Bucket     *string       `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object     *string       `json:"previousDigestS3Object"`
	PreviousDigestHashValue    *string       `json:"previousDigestHashValue"`
	PreviousDigestHashAlgo     *string       `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature    *string       `json:"previousDigestSignature"`
	LogFiles                   []rawLogEntry `json:"logFiles"`
}

type rawLogEntry struct {
	S3Bucket        *string `json:"s3Bucket"`
	S3Object        *string `json:"s3Object"`
	HashValue       *string `json:"hashValue"`
	HashAlgorithm   *string `json:"hashAlgorithm"`
	NewestEventTime *string `json:"newestEventTime"`
	OldestEventTime *string `json:"oldestEventTime"`
}

// Parse parses the uncompressed bytes of a digest file. The error is a
// *ParseError; the Digest is nil with it.
func Parse(data []byte) (*Digest, error) {
	var raw rawDigest
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		return nil, &ParseError{Err: ErrSyntax}
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, &ParseError{Field: te.Field, Err: fmt.Errorf("%w: JSON %s where %s was expected", ErrSyntax, te.Value, jsonKind(te.Type.String()))}
		}
		return nil, &ParseError{Err: fmt.Errorf("%w: %v", ErrSyntax, err)}
	}
	d := &Digest{}
	var err error
	if d.AccountID, err = required("awsAccountId", raw.AWSAccountID); err != nil {
		return nil, err
	}
	if !keyid.IsAccountID(d.AccountID) {
		return nil, invalid("awsAccountId", "want 12 digits, got %q", clip(d.AccountID))
	}
	if d.StartTime, err = requiredTime("digestStartTime", raw.DigestStartTime); err != nil {
		return nil, err
	}
	if d.EndTime, err = requiredTime("digestEndTime", raw.DigestEndTime); err != nil {
		return nil, err
	}
	d.EndTimeRaw = *raw.DigestEndTime
	if d.EndTime.Before(d.StartTime) {
		return nil, invalid("digestEndTime", "%s is before digestStartTime %s", d.EndTimeRaw, *raw.DigestStartTime)
	}
	if d.S3Bucket, err = required("digestS3Bucket", raw.DigestS3Bucket); err != nil {
		return nil, err
	}
	if d.S3Object, err = required("digestS3Object", raw.DigestS3Object); err != nil {
		return nil, err
	}
	if d.PublicKeyFingerprint, err = required("digestPublicKeyFingerprint", raw.DigestPublicKeyFingerprint); err != nil {
		return nil, err
	}
	if !isHex(d.PublicKeyFingerprint, 32) {
		return nil, invalid("digestPublicKeyFingerprint", "want 32 hex digits (MD5), got %d characters", len(d.PublicKeyFingerprint))
	}
	d.PublicKeyFingerprint = lowerHex(d.PublicKeyFingerprint)
	if d.SignatureAlgorithm, err = required("digestSignatureAlgorithm", raw.DigestSignatureAlgorithm); err != nil {
		return nil, err
	}
	if d.NewestEventTime, err = optionalTime("newestEventTime", raw.NewestEventTime); err != nil {
		return nil, err
	}
	if d.OldestEventTime, err = optionalTime("oldestEventTime", raw.OldestEventTime); err != nil {
		return nil, err
	}
	if err := d.parseLink(&raw); err != nil {
		return nil, err
	}
	d.LogFiles = make([]LogFile, len(raw.LogFiles))
	for i, e := range raw.LogFiles {
		d.LogFiles[i] = parseLogEntry(i, e)
	}
	return d, nil
}

// parseLink reads the previousDigest* fields: all null, or a full link.
func (d *Digest) parseLink(raw *rawDigest) error {
	set := func(p *string) bool { return p != nil && *p != "" }
	if !set(raw.PreviousDigestS3Object) {
		for _, f := range []struct {
			name string
			v    *string
		}{{"previousDigestHashValue", raw.PreviousDigestHashValue}, {"previousDigestSignature", raw.PreviousDigestSignature}} {
			if set(f.v) {
				return invalid(f.name, "set, but previousDigestS3Object is not")
			}
		}
		return nil
	}
	d.PrevS3Object = *raw.PreviousDigestS3Object
	if raw.PreviousDigestS3Bucket != nil {
		d.PrevS3Bucket = *raw.PreviousDigestS3Bucket
	}
	var err error
	if d.PrevHash, err = required("previousDigestHashValue", raw.PreviousDigestHashValue); err != nil {
		return err
	}
	if !isHex(d.PrevHash, 64) {
		return invalid("previousDigestHashValue", "want 64 hex digits (SHA-256), got %d characters", len(d.PrevHash))
	}
	d.PrevHash = lowerHex(d.PrevHash)
	if raw.PreviousDigestHashAlgo != nil {
		d.PrevHashAlgorithm = *raw.PreviousDigestHashAlgo
	}
	if d.PrevSignature, err = required("previousDigestSignature", raw.PreviousDigestSignature); err != nil {
		return err
	}
	if !isHex(d.PrevSignature, -1) {
		return invalid("previousDigestSignature", "not an even number of hex digits (%d characters)", len(d.PrevSignature))
	}
	return nil
}

func parseLogEntry(i int, e rawLogEntry) LogFile {
	var lf LogFile
	field := func(name string) string { return fmt.Sprintf("logFiles[%d].%s", i, name) }
	keep := func(err error) {
		if lf.Err == nil {
			lf.Err = err
		}
	}
	if e.S3Bucket != nil {
		lf.S3Bucket = *e.S3Bucket
	}
	var err error
	if lf.S3Object, err = required(field("s3Object"), e.S3Object); err != nil {
		keep(err)
	}
	if lf.Hash, err = required(field("hashValue"), e.HashValue); err != nil {
		keep(err)
	} else if !isHex(lf.Hash, 64) {
		keep(invalid(field("hashValue"), "want 64 hex digits (SHA-256), got %d characters", len(lf.Hash)))
	} else {
		lf.Hash = lowerHex(lf.Hash)
	}
	if e.HashAlgorithm != nil {
		lf.HashAlgorithm = *e.HashAlgorithm
	}
	if lf.NewestEventTime, err = optionalTime(field("newestEventTime"), e.NewestEventTime); err != nil {
		keep(err)
	}
	if lf.OldestEventTime, err = optionalTime(field("oldestEventTime"), e.OldestEventTime); err != nil {
		keep(err)
	}
	return lf
}

func required(name string, v *string) (string, error) {
	if v == nil || *v == "" {
		return "", &ParseError{Field: name, Err: ErrMissing}
	}
	return *v, nil
}

func requiredTime(name string, v *string) (time.Time, error) {
	if _, err := required(name, v); err != nil {
		return time.Time{}, err
	}
	return optionalTime(name, v)
}

func optionalTime(name string, v *string) (time.Time, error) {
	if v == nil || *v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		return time.Time{}, invalid(name, "not an RFC 3339 time: %q", clip(*v))
	}
	return t.UTC(), nil
}

func invalid(field, format string, a ...any) error {
	return &ParseError{Field: field, Err: fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))}
}

// isHex says whether s is hex digits; n < 0 means any even, nonzero length.
func isHex(s string, n int) bool {
	if n >= 0 && len(s) != n || n < 0 && (len(s) == 0 || len(s)%2 != 0) {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func lowerHex(s string) string {
	b, _ := hex.DecodeString(s)
	return hex.EncodeToString(b)
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func jsonKind(goType string) string {
	switch goType {
	case "string", "*string":
		return "a string"
	case "[]digest.rawLogEntry":
		return "an array"
	case "digest.rawLogEntry", "digest.rawDigest":
		return "an object"
	}
	return goType
}
