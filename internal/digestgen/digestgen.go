// Package digestgen builds local copies of CloudTrail buckets with signed
// digest chains, for tests only: nothing outside _test.go files imports it.
//
// It is written from AWS's description of the format, not from package
// digest, so that tests compare two implementations. Keys are generated
// at test time (RSA-2048, once per test binary: Key and OtherKey); no
// private key is ever written anywhere.
package digestgen

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

var (
	key      = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
	otherKey = sync.OnceValue(func() *rsa.PrivateKey { return mustKey() })
)

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// Key is the signing key of this test binary, generated on first use.
func Key() *rsa.PrivateKey { return key() }

// OtherKey is a second key, for "wrong public key" tests.
func OtherKey() *rsa.PrivateKey { return otherKey() }

// Fingerprint is the hex MD5 of the PKCS#1 DER of pub, as CloudTrail
// names its keys.
func Fingerprint(pub *rsa.PublicKey) string {
	sum := md5.Sum(x509.MarshalPKCS1PublicKey(pub))
	return hex.EncodeToString(sum[:])
}

// PublicKeysJSON is what 'aws cloudtrail list-public-keys' prints for
// pubs, valid from..to. With spki the Value is SPKI DER, else PKCS#1.
func PublicKeysJSON(from, to time.Time, spki bool, pubs ...*rsa.PublicKey) []byte {
	type entry struct {
		Value             string
		ValidityStartTime string
		ValidityEndTime   string
		Fingerprint       string
	}
	var list []entry
	for _, p := range pubs {
		der := x509.MarshalPKCS1PublicKey(p)
		if spki {
			der, _ = x509.MarshalPKIXPublicKey(p)
		}
		sum := md5.Sum(der)
		list = append(list, entry{base64.StdEncoding.EncodeToString(der),
			from.UTC().Format("2006-01-02T15:04:05+00:00"), to.UTC().Format("2006-01-02T15:04:05+00:00"), hex.EncodeToString(sum[:])})
	}
	b, _ := json.MarshalIndent(map[string]any{"PublicKeyList": list}, "", "    ")
	return append(b, '\n')
}

// HeadObjectJSON is what 'aws s3api head-object' prints for a digest
// whose x-amz-meta-signature is sig.
func HeadObjectJSON(sig string) []byte {
	b, _ := json.MarshalIndent(map[string]any{
		"AcceptRanges":  "bytes",
		"LastModified":  "2026-10-31T06:01:40+00:00",
		"ContentLength": 512,
		"ETag":          `"0d5c5e0b3d3b8f7e9d0f2e6a2c1b4a39"`,
		"ContentType":   "application/json",
		"Metadata":      map[string]string{"signature": sig, "signature-algorithm": "SHA256withRSA"},
	}, "", "    ")
	return append(b, '\n')
}

// Tree is a bucket copy being built: file contents by slash path.
type Tree struct {
	Files map[string][]byte
	Key   *rsa.PrivateKey // signs the digests; New sets Key()
}

// New returns an empty tree signed with Key().
func New() *Tree { return &Tree{Files: map[string][]byte{}, Key: Key()} }

// Chain describes one digest chain to build.
type Chain struct {
	Bucket     string // default "audit-bucket"
	Prefix     string // S3 prefix before AWSLogs/, "" or ending in "/"
	OrgID      string // o-… for an organization trail
	Account    string // default 111122223333
	Region     string // default us-east-1
	Trail      string // default "main"
	HomeRegion string // default Region
	Backfill   bool
	// Start is the first digest's start; default 2026-10-31T00:00:31Z.
	Start time.Time
	// Logs gives the number of log files delivered in each hour; one digest
	// per entry (0: an empty hour).
	Logs []int
	// Edit, when set, may change a digest document (hour index h) before it
	// is serialised and signed, as CloudTrail would have written it.
	Edit func(h int, doc map[string]any)
}

// Built says what Add wrote.
type Built struct {
	Digests       []string   // digest keys (local paths in the tree), oldest first
	Logs          [][]string // log keys per hour
	Windows       [][2]time.Time
	Signatures    []string // each digest's signature
	HeadKey       string   // = Digests[len-1]
	HeadSignature string
}

func (c *Chain) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Bucket, "audit-bucket")
	def(&c.Account, "111122223333")
	def(&c.Region, "us-east-1")
	def(&c.Trail, "main")
	def(&c.HomeRegion, c.Region)
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 10, 31, 0, 0, 31, 0, time.UTC)
	}
}

func (c *Chain) base() string {
	b := c.Prefix + "AWSLogs/"
	if c.OrgID != "" {
		b += c.OrgID + "/"
	}
	return b + c.Account + "/"
}

// DigestKey is the key CloudTrail gives the digest that ends at end.
func (c *Chain) DigestKey(end time.Time) string {
	c.defaults()
	name := fmt.Sprintf("%s_CloudTrail-Digest_%s_%s_%s_%s", c.Account, c.Region, c.Trail, c.HomeRegion, end.UTC().Format("20060102T150405Z"))
	if c.Backfill {
		name += "_backfill"
	}
	return c.base() + "CloudTrail-Digest/" + c.Region + "/" + end.UTC().Format("2006/01/02") + "/" + name + ".json.gz"
}

// LogKey is the key of a log file delivered at t with the unique string u.
func (c *Chain) LogKey(t time.Time, u string) string {
	c.defaults()
	return c.base() + "CloudTrail/" + c.Region + "/" + t.UTC().Format("2006/01/02") + "/" +
		fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", c.Account, c.Region, t.UTC().Format("20060102T1504Z"), u)
}

// Add writes the logs and the signed digests of c.
func (t *Tree) Add(c Chain) *Built {
	c.defaults()
	b := &Built{}
	prevSig, prevHash, prevKey := "", "", ""
	for h, n := range c.Logs {
		start := c.Start.Add(time.Duration(h) * time.Hour)
		end := start.Add(time.Hour)
		var files []map[string]any
		var keys []string
		for i := range n {
			at := start.Add(time.Duration(5*(i+1)) * time.Minute).Truncate(time.Minute)
			kind := "s"
			if c.Backfill {
				kind = "b"
			}
			u := fmt.Sprintf("%s%s%02d%02dx%s", strings.ReplaceAll(c.Trail, "-", ""), kind, h, i, c.Region[len(c.Region)-1:])
			k := c.LogKey(at, u)
			raw := LogJSON(c.Account, c.Region, at, fmt.Sprintf("%s-%d-%d", c.Trail, h, i))
			t.Files[k] = Gzip(raw)
			sum := sha256.Sum256(raw)
			files = append(files, map[string]any{
				"s3Bucket": c.Bucket, "s3Object": k, "hashValue": hex.EncodeToString(sum[:]), "hashAlgorithm": "SHA-256",
				"newestEventTime": at.Add(-time.Minute).Format(time.RFC3339), "oldestEventTime": at.Add(-2 * time.Minute).Format(time.RFC3339),
			})
			keys = append(keys, k)
		}
		if files == nil {
			files = []map[string]any{}
		}
		dk := c.DigestKey(end)
		doc := map[string]any{
			"awsAccountId":                c.Account,
			"digestStartTime":             start.Format(time.RFC3339),
			"digestEndTime":               end.Format(time.RFC3339),
			"digestS3Bucket":              c.Bucket,
			"digestS3Object":              dk,
			"digestPublicKeyFingerprint":  Fingerprint(&t.Key.PublicKey),
			"digestSignatureAlgorithm":    "SHA256withRSA",
			"newestEventTime":             nil,
			"oldestEventTime":             nil,
			"previousDigestS3Bucket":      nil,
			"previousDigestS3Object":      nil,
			"previousDigestHashValue":     nil,
			"previousDigestHashAlgorithm": nil,
			"previousDigestSignature":     nil,
			"logFiles":                    files,
		}
		if n > 0 {
			doc["newestEventTime"] = files[n-1]["newestEventTime"]
			doc["oldestEventTime"] = files[0]["oldestEventTime"]
		}
		if prevKey != "" {
			doc["previousDigestS3Bucket"] = c.Bucket
			doc["previousDigestS3Object"] = prevKey
			doc["previousDigestHashValue"] = prevHash
			doc["previousDigestHashAlgorithm"] = "SHA-256"
			doc["previousDigestSignature"] = prevSig
		}
		if c.Edit != nil {
			c.Edit(h, doc)
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			panic(err)
		}
		sig := Sign(t.Key, raw, doc)
		t.Files[dk] = Gzip(raw)
		sum := sha256.Sum256(raw)
		prevSig, prevHash, prevKey = sig, hex.EncodeToString(sum[:]), dk
		b.Digests = append(b.Digests, dk)
		b.Logs = append(b.Logs, keys)
		b.Windows = append(b.Windows, [2]time.Time{start, end})
		b.Signatures = append(b.Signatures, sig)
	}
	b.HeadKey, b.HeadSignature = prevKey, prevSig
	return b
}

// Sign returns the hex signature CloudTrail puts in x-amz-meta-signature
// for the digest raw whose fields are doc.
func Sign(k *rsa.PrivateKey, raw []byte, doc map[string]any) string {
	sum := sha256.Sum256(raw)
	prev := "null"
	if s, ok := doc["previousDigestSignature"].(string); ok {
		prev = s
	}
	msg := fmt.Sprintf("%s\n%s/%s\n%s\n%s", doc["digestEndTime"], doc["digestS3Bucket"], doc["digestS3Object"], hex.EncodeToString(sum[:]), prev)
	h := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
	if err != nil {
		panic(err)
	}
	return hex.EncodeToString(sig)
}

// LogJSON is a small CloudTrail log file with one event.
func LogJSON(account, region string, at time.Time, id string) []byte {
	return fmt.Appendf(nil, `{"Records":[{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","accountId":%q,"arn":"arn:aws:iam::%s:user/alice","accessKeyId":"AKIARTX3GSDSVHGUXWVT","userName":"alice"},"eventTime":%q,"eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":%q,"sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.17.0","eventID":%q,"eventType":"AwsApiCall","recipientAccountId":%q}]}`,
		account, account, at.Add(-time.Minute).Format(time.RFC3339), region, id, account)
}

// Gzip compresses b as one gzip member with a fixed header (no name, no
// time), so the same input gives the same bytes.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// Gunzip decompresses one member; it panics on bad input (test data).
func Gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		panic(err)
	}
	return out.Bytes()
}

// EditDigest rewrites the digest at key in place (not re-signed: an
// attacker's edit).
func (t *Tree) EditDigest(key string, edit func(doc map[string]any)) {
	var doc map[string]any
	if err := json.Unmarshal(Gunzip(t.Files[key]), &doc); err != nil {
		panic(err)
	}
	edit(doc)
	raw, _ := json.Marshal(doc)
	t.Files[key] = Gzip(raw)
}

// Move renames a file of the tree.
func (t *Tree) Move(from, to string) {
	t.Files[to] = t.Files[from]
	delete(t.Files, from)
}

// Write writes the tree under dir, in sorted order.
func (t *Tree) Write(dir string) error {
	names := make([]string, 0, len(t.Files))
	for n := range t.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, t.Files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}
