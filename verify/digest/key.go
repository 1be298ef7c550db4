package digest

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// Kind is what a key names.
type Kind int

const (
	KindLog    Kind = iota + 1 // AWSLogs/…/CloudTrail/…
	KindDigest                 // AWSLogs/…/CloudTrail-Digest/…
)

func (k Kind) String() string {
	switch k {
	case KindLog:
		return "log"
	case KindDigest:
		return "digest"
	}
	return "unknown"
}

// ErrNotCloudTrail is the error ParseKey returns for a key outside the
// CloudTrail/ and CloudTrail-Digest/ folders of an AWSLogs/ tree (an
// Insights log, a credential report, a README): not a file to verify.
var ErrNotCloudTrail = errors.New("not a CloudTrail log or digest key")

// ErrName is the cause of the error ParseKey returns for a file inside a
// CloudTrail/ or CloudTrail-Digest/ folder whose path or name is not one
// CloudTrail writes.
var ErrName = errors.New("not a CloudTrail file name")

// Key is a parsed log or digest key.
//
//	[prefix/]AWSLogs/[o-ID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
//	[prefix/]AWSLogs/[o-ID/]ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ[_backfill].json.gz
type Key struct {
	Kind Kind
	// Prefix is what comes before AWSLogs/ ("" or ending in "/"): an S3
	// prefix, or the local folders a bucket was synced into.
	Prefix string
	// Path is the key from AWSLogs/ on. Keys are compared by Path.
	Path    string
	OrgID   string // "o-…" for an organization trail
	Account string
	Region  string // the region the logs are of
	// Time is the log file's minute or the digest's end time, from the name.
	Time time.Time
	// Digests only: the trail's name and home region, and whether the file
	// is a backfill digest (CloudTrail's "_backfill" suffix: log files a
	// digest missed through processing delays).
	Trail, HomeRegion string
	Backfill          bool
}

// regionRE matches AWS region names: us-east-1, us-gov-west-1, cn-north-1,
// eusc-de-east-1.
var regionRE = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`)

const (
	logTimeLayout    = "20060102T1504Z"
	digestTimeLayout = "20060102T150405Z"
	gzSuffix         = ".json.gz"
)

// ParseKey parses a key or a slash-separated local path. It returns an
// error wrapping ErrNotCloudTrail for a file that is not a CloudTrail log
// or digest by its folder, and one wrapping ErrName (saying what is wrong)
// for a file inside those folders that is not named as CloudTrail names
// its files.
func ParseKey(key string) (Key, error) {
	segs := strings.Split(key, "/")
	i, acct := locate(segs)
	if i < 0 {
		return Key{}, ErrNotCloudTrail
	}
	k := Key{Prefix: strings.Join(segs[:i], "/"), Path: strings.Join(segs[i:], "/"), Account: segs[acct]}
	if k.Prefix != "" {
		k.Prefix += "/"
	}
	if acct == i+2 {
		k.OrgID = segs[i+1]
	}
	folder := segs[acct+1]
	rest := segs[acct+2:]
	bad := func(format string, a ...any) (Key, error) {
		return Key{}, fmt.Errorf("%w: %s", ErrName, fmt.Sprintf(format, a...))
	}
	if len(rest) != 5 {
		return bad("want %s/REGION/YYYY/MM/DD/FILE under the account, got %d levels", folder, len(rest))
	}
	k.Region = rest[0]
	if !regionRE.MatchString(k.Region) {
		return bad("%q is not a region name", clip(k.Region))
	}
	name := rest[4]
	if !strings.HasSuffix(name, gzSuffix) {
		return bad("name does not end in %s", gzSuffix)
	}
	parts := strings.Split(strings.TrimSuffix(name, gzSuffix), "_")
	var err error
	switch folder {
	case "CloudTrail":
		k.Kind = KindLog
		if len(parts) < 5 || parts[1] != "CloudTrail" {
			return bad("want ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz")
		}
		if k.Time, err = time.Parse(logTimeLayout, parts[3]); err != nil {
			return bad("time %q is not YYYYMMDDTHHmmZ", clip(parts[3]))
		}
	default:
		k.Kind = KindDigest
		if n := len(parts); n > 0 && parts[n-1] == "backfill" {
			k.Backfill = true
			parts = parts[:n-1]
		}
		n := len(parts)
		if n < 6 || parts[1] != "CloudTrail-Digest" {
			return bad("want ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz")
		}
		k.Trail = strings.Join(parts[3:n-2], "_")
		k.HomeRegion = parts[n-2]
		if !regionRE.MatchString(k.HomeRegion) || k.Trail == "" {
			return bad("want ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz (%q is not a region name)", clip(k.HomeRegion))
		}
		if k.Time, err = time.Parse(digestTimeLayout, parts[n-1]); err != nil {
			return bad("time %q is not YYYYMMDDTHHmmssZ", clip(parts[n-1]))
		}
	}
	if parts[0] != k.Account {
		return bad("name is of account %s, folder of %s", clip(parts[0]), k.Account)
	}
	if parts[2] != k.Region {
		return bad("name is of region %s, folder of %s", clip(parts[2]), clip(k.Region))
	}
	if date := strings.Join(rest[1:4], "/"); date != k.Time.Format("2006/01/02") {
		return bad("name is of %s, folder of %s", k.Time.Format("2006/01/02"), clip(date))
	}
	return k, nil
}

// KeyPath returns the comparable part of an S3 key or local path: from
// its AWSLogs/ folder on (see Key.Path). A key with no such folder is
// returned whole.
func KeyPath(key string) string {
	segs := strings.Split(key, "/")
	if i, _ := locate(segs); i >= 0 {
		return strings.Join(segs[i:], "/")
	}
	for i := len(segs) - 2; i >= 0; i-- {
		if segs[i] == "AWSLogs" {
			return strings.Join(segs[i:], "/")
		}
	}
	return key
}

// locate finds the AWSLogs segment of a CloudTrail key, searching from the
// end so that a prefix that happens to hold "AWSLogs" does not confuse
// it: AWSLogs, an optional o-ID, a 12-digit account, then CloudTrail or
// CloudTrail-Digest. It returns the indexes of AWSLogs and the account,
// or -1.
func locate(segs []string) (awsLogs, account int) {
	for i := len(segs) - 3; i >= 0; i-- {
		if segs[i] != "AWSLogs" {
			continue
		}
		a := i + 1
		if strings.HasPrefix(segs[a], "o-") && a+2 < len(segs) {
			a++
		}
		if keyid.IsAccountID(segs[a]) && a+1 < len(segs) && (segs[a+1] == "CloudTrail" || segs[a+1] == "CloudTrail-Digest") {
			return i, a
		}
	}
	return -1, -1
}
