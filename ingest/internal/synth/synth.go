// Package synth writes small deterministic CloudTrail files for the tests
// and benchmarks of package ingest and ingest/cloudtrail. The events look
// like real management events (IAM users, assumed roles, AssumeRole with
// credentials, S3 and EC2 reads) with a realistic size (~1.1 KB each).
// For large corpora use cmd/ctgen.
package synth

import (
	"fmt"
	"io"
	"strings"
)

// rng is a small deterministic generator (splitmix64).
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9E3779B97F4A7C15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func (r *rng) keyID(prefix string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < 16; i++ {
		b.WriteByte(b32[r.intn(32)])
	}
	return b.String()
}

func (r *rng) hex(n int) string {
	const h = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = h[r.intn(16)]
	}
	return string(b)
}

// Secret is the fake secret planted in every AssumeRole response (as
// sessionToken) so that tests can check it reaches no column.
const Secret = "FAKEsecretTOKENvalueDoNotLeak0123456789AB"

// Event returns event number i of the stream seeded by seed, as one line of
// compact JSON.
func Event(seed uint64, i int) string {
	r := rng(seed*1_000_003 + uint64(i))
	acct := fmt.Sprintf("1234567890%02d", r.intn(3))
	sec := i % 86400
	ts := fmt.Sprintf("2026-10-%02dT%02d:%02d:%02dZ", 1+(i/86400)%28, sec/3600, sec/60%60, sec%60)
	user := fmt.Sprintf("user%d", r.intn(40))
	id := fmt.Sprintf("%s-%s-4%s-a%s-%s", r.hex(8), r.hex(4), r.hex(3), r.hex(3), r.hex(12))
	ua := `aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2 prompt/off command/s3.ls`
	var ui, name, src, req, resp string
	switch k := r.intn(10); {
	case k < 5:
		ui = fmt.Sprintf(`{"type":"IAMUser","principalId":"AIDA%s","arn":"arn:aws:iam::%s:user/%s","accountId":"%s","accessKeyId":"%s","userName":"%s"}`,
			r.keyID("X"), acct, user, acct, r.keyID("AKIA"), user)
		name, src = "ListBuckets", "s3.amazonaws.com"
		req = `{"Host":"s3.amazonaws.com"}`
		resp = "null"
	case k < 8:
		ui = fmt.Sprintf(`{"type":"AssumedRole","principalId":"AROA%s:%s","arn":"arn:aws:sts::%s:assumed-role/Admin/%s","accountId":"%s","accessKeyId":"%s","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA%s","arn":"arn:aws:iam::%s:role/Admin","accountId":"%s","userName":"Admin"},"webIdFederationData":{},"attributes":{"creationDate":"%s","mfaAuthenticated":"false"}}}`,
			r.keyID("X"), user, acct, user, acct, r.keyID("ASIA"), r.keyID("X"), acct, acct, ts)
		name, src = "DescribeInstances", "ec2.amazonaws.com"
		req = `{"instancesSet":{},"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]}}`
		resp = "null"
	default:
		ui = fmt.Sprintf(`{"type":"IAMUser","principalId":"AIDA%s","arn":"arn:aws:iam::%s:user/%s","accountId":"%s","accessKeyId":"%s","userName":"%s"}`,
			r.keyID("X"), acct, user, acct, r.keyID("AKIA"), user)
		name, src = "AssumeRole", "sts.amazonaws.com"
		req = fmt.Sprintf(`{"roleArn":"arn:aws:iam::%s:role/Admin","roleSessionName":"%s","durationSeconds":3600}`, acct, user)
		resp = fmt.Sprintf(`{"credentials":{"accessKeyId":"%s","sessionToken":"%s","expiration":"Oct 1, 2026, 1:02:03 PM"},"assumedRoleUser":{"assumedRoleId":"AROA%s:%s","arn":"arn:aws:sts::%s:assumed-role/Admin/%s"}}`,
			r.keyID("ASIA"), Secret, r.keyID("X"), user, acct, user)
	}
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":%s,"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.%d","userAgent":"%s","requestParameters":%s,"responseElements":%s,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0},"requestID":"%s","eventID":"%s","readOnly":%v,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s"}}`,
		ui, ts, src, name, r.intn(250), ua, req, resp, strings.ToUpper(r.hex(16)), id, name != "AssumeRole", acct, src)
}

// Records writes an S3 delivery file {"Records":[...]} of events
// first..first+n-1 and returns the bytes written.
func Records(w io.Writer, seed uint64, first, n int) (int64, error) {
	var total int64
	write := func(s string) error {
		k, err := io.WriteString(w, s)
		total += int64(k)
		return err
	}
	if err := write(`{"Records":[`); err != nil {
		return total, err
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			if err := write(","); err != nil {
				return total, err
			}
		}
		if err := write(Event(seed, first+i)); err != nil {
			return total, err
		}
	}
	return total, write("]}")
}
