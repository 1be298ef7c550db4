// Package demogen writes the CloudTrail half of the demo organization in
// testdata/demo: a few dozen hand-picked events that tell the stories the
// README walks through (a cross-account role chain, a stalled rotation, a
// failed CreateAccessKey, console, SAML, web-identity and EC2 sessions, a
// foreign key, an unattributed key), in every file form keyaudit reads.
//
// It is deterministic: the same code writes the same bytes, and a test
// checks that the committed files are what it writes.
package demogen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// The three accounts of the demo organization and one outsider.
const (
	Prod    = "111122223333"
	Dev     = "444455556666"
	Sandbox = "777788889999"
	Outside = "210987654321"
	OrgID   = "o-demo1234ab"
)

type ev = map[string]any

// gen holds the deterministic state of one run.
type gen struct {
	rnd    *rand.Rand
	keys   map[string]string // name → key ID
	events []placed
	seq    int
}

// placed is one event with where it is delivered.
type placed struct {
	account, region string
	e               ev
}

func (g *gen) key(name, prefix, account string) string {
	if k, ok := g.keys[name]; ok {
		return k
	}
	k, err := keyid.Encode(prefix, account, g.rnd)
	if err != nil {
		panic(err) // the demo's accounts are valid; this cannot happen
	}
	g.keys[name] = k
	return k
}

func (g *gen) uuid() string {
	b := make([]byte, 16)
	g.rnd.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// awsDate is the form CloudTrail uses inside responseElements.
func awsDate(t time.Time) string { return t.UTC().Format("Jan 2, 2006 3:04:05 PM") }

// userIdentity is an IAM user's identity; pathUser may carry the user's
// path ("automation/ci-bot"), which appears in the ARN only.
func userIdentity(account, pathUser, key string) ev {
	name := pathUser[strings.LastIndex(pathUser, "/")+1:]
	return ev{"type": "IAMUser", "principalId": "AIDA" + account + name, "arn": "arn:aws:iam::" + account + ":user/" + pathUser,
		"accountId": account, "accessKeyId": key, "userName": name}
}

func rootIdentity(account, key string) ev {
	return ev{"type": "Root", "principalId": account, "arn": "arn:aws:iam::" + account + ":root", "accountId": account, "accessKeyId": key}
}

func roleIdentity(account, role, session, key, issuerType string, created time.Time, console bool) ev {
	ui := ev{"type": "AssumedRole", "principalId": "AROA" + role + ":" + session,
		"arn": "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session, "accountId": account, "accessKeyId": key,
		"sessionContext": ev{
			"sessionIssuer": ev{"type": issuerType, "principalId": "AROA" + role, "arn": "arn:aws:iam::" + account + ":role/" + role, "accountId": account, "userName": role},
			"attributes":    ev{"creationDate": created.UTC().Format(time.RFC3339), "mfaAuthenticated": "false"},
		}}
	_ = console
	return ui
}

func (g *gen) call(account, region string, t time.Time, source, name string, ui ev, ip, agent string) ev {
	g.seq++
	e := ev{"eventVersion": "1.09", "userIdentity": ui, "eventTime": t.UTC().Format(time.RFC3339), "eventSource": source,
		"eventName": name, "awsRegion": region, "sourceIPAddress": ip, "userAgent": agent, "requestParameters": nil,
		"responseElements": nil, "requestID": g.uuid(), "eventID": g.uuid(), "readOnly": true, "eventType": "AwsApiCall",
		"managementEvent": true, "recipientAccountId": account, "eventCategory": "Management"}
	return e
}

func (g *gen) put(account, region string, e ev) ev {
	g.events = append(g.events, placed{account, region, e})
	return e
}

// credentials is what STS returns; the token is a marked fake, never a real
// secret, so that the secrets test can look for it in every output.
func (g *gen) credentials(key string, exp time.Time) ev {
	return ev{"accessKeyId": key, "sessionToken": "FAKE-DEMO-SESSION-TOKEN-" + key[4:], "expiration": awsDate(exp)}
}

// build makes every event of the demo.
func build() *gen {
	g := &gen{rnd: rand.New(rand.NewSource(20261101)), keys: map[string]string{}}
	const cli = "aws-cli/2.17.4 md/Botocore#1.34.131 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.9"
	const boto = "Boto3/1.34.131 md/Botocore#1.34.131 ua/2.0 os/linux#5.10.219 lang/python#3.12.3"
	const oldCLI = "aws-cli/1.18.69 Python/3.6.9 Linux/4.15.0 botocore/1.16.19"

	prodRoot := g.key("prod-root", "AKIA", Prod)
	alice := g.key("alice", "AKIA", Prod)
	erin1 := g.key("erin-1", "AKIA", Prod)
	erin2 := g.key("erin-2", "AKIA", Prod)
	svc := g.key("svc,deploy", "AKIA", Prod)
	ivanNew := g.key("ivan-new", "AKIA", Sandbox)
	ivanOld := g.key("ivan-old", "AKIA", Sandbox)
	ciBot := g.key("ci-bot", "AKIA", Sandbox)
	heidi := g.key("heidi", "AKIA", Dev)
	frank2 := g.key("frank-2", "AKIA", Dev)
	outsider := g.key("outsider", "AKIA", Outside)

	// The prod root key is still used: the worst finding of the demo.
	g.put(Prod, "us-east-1", g.call(Prod, "us-east-1", ts("2026-10-20T07:55:12Z"), "iam.amazonaws.com", "ListUsers", rootIdentity(Prod, prodRoot), "192.0.2.44", cli))

	// alice works in S3 every day, then assumes a role in dev (cross-account),
	// and from there a second role: a chain of depth 2.
	for d := 18; d <= 31; d++ {
		e := g.call(Prod, "eu-west-1", ts(fmt.Sprintf("2026-10-%02dT09:%02d:00Z", d, d)), "s3.amazonaws.com", "GetObject", userIdentity(Prod, "alice", alice), "198.51.100.10", boto)
		e["requestParameters"] = ev{"bucketName": "prod-reports", "key": fmt.Sprintf("daily/%02d.csv", d)}
		g.put(Prod, "eu-west-1", e)
	}
	a1 := g.key("alice-deploy", "ASIA", Dev)
	t := ts("2026-10-27T10:00:00Z")
	shared := g.uuid()
	for _, acct := range []string{Prod, Dev} {
		e := g.call(acct, "us-east-1", t, "sts.amazonaws.com", "AssumeRole", userIdentity(Prod, "alice", alice), "198.51.100.10", cli)
		e["requestParameters"] = ev{"roleArn": "arn:aws:iam::" + Dev + ":role/deploy", "roleSessionName": "alice-deploy", "durationSeconds": 3600}
		e["responseElements"] = ev{"credentials": g.credentials(a1, t.Add(time.Hour)),
			"assumedRoleUser": ev{"assumedRoleId": "AROADEPLOY:alice-deploy", "arn": "arn:aws:sts::" + Dev + ":assumed-role/deploy/alice-deploy"}}
		e["sharedEventID"] = shared
		e["readOnly"] = false
		g.put(acct, "us-east-1", e)
	}
	a1ui := roleIdentity(Dev, "deploy", "alice-deploy", a1, "Role", t, false)
	g.put(Dev, "us-east-1", g.call(Dev, "us-east-1", t.Add(2*time.Minute), "ec2.amazonaws.com", "DescribeInstances", a1ui, "198.51.100.10", cli))
	a2 := g.key("alice-readonly", "ASIA", Dev)
	t2 := t.Add(5 * time.Minute)
	e := g.call(Dev, "us-east-1", t2, "sts.amazonaws.com", "AssumeRole", a1ui, "198.51.100.10", cli)
	e["requestParameters"] = ev{"roleArn": "arn:aws:iam::" + Dev + ":role/readonly", "roleSessionName": "alice-ro"}
	e["responseElements"] = ev{"credentials": g.credentials(a2, t2.Add(time.Hour)), "assumedRoleUser": ev{"arn": "arn:aws:sts::" + Dev + ":assumed-role/readonly/alice-ro"}}
	g.put(Dev, "us-east-1", e)
	g.put(Dev, "us-west-2", g.call(Dev, "us-west-2", t2.Add(3*time.Minute), "s3.amazonaws.com", "ListBuckets", roleIdentity(Dev, "readonly", "alice-ro", a2, "Role", t2, false), "198.51.100.10", cli))
	// A denied AssumeRole issues nothing.
	e = g.call(Prod, "us-east-1", t.Add(-time.Hour), "sts.amazonaws.com", "AssumeRole", userIdentity(Prod, "alice", alice), "198.51.100.10", cli)
	e["requestParameters"] = ev{"roleArn": "arn:aws:iam::" + Sandbox + ":role/Admins", "roleSessionName": "alice"}
	e["errorCode"], e["errorMessage"] = "AccessDenied", "User is not authorized to perform: sts:AssumeRole"
	g.put(Prod, "us-east-1", e)

	// erin rotates: she creates her second key on Oct 22 (it matches slot 2's
	// last_rotated), and both keys stay in use.
	tc := ts("2026-10-22T14:05:09Z")
	e = g.call(Prod, "us-east-1", tc, "iam.amazonaws.com", "CreateAccessKey", userIdentity(Prod, "erin", erin1), "203.0.113.20", cli)
	e["responseElements"] = ev{"accessKey": ev{"userName": "erin", "accessKeyId": erin2, "status": "Active", "createDate": awsDate(tc)}}
	e["readOnly"] = false
	g.put(Prod, "us-east-1", e)
	for d := 23; d <= 31; d += 2 {
		g.put(Prod, "us-east-1", g.call(Prod, "us-east-1", ts(fmt.Sprintf("2026-10-%02dT22:59:00Z", d)), "s3.amazonaws.com", "PutObject", userIdentity(Prod, "erin", erin2), "203.0.113.20", cli))
		g.put(Prod, "us-east-1", g.call(Prod, "us-east-1", ts(fmt.Sprintf("2026-10-%02dT23:10:00Z", d)), "s3.amazonaws.com", "PutObject", userIdentity(Prod, "erin", erin1), "203.0.113.99", oldCLI))
	}
	g.put(Prod, "us-west-2", g.call(Prod, "us-west-2", ts("2026-10-31T12:00:00Z"), "ecr.amazonaws.com", "GetAuthorizationToken", userIdentity(Prod, "svc-team/svc,deploy", svc), "192.0.2.80", boto))

	// ivan started rotating on Oct 20 but the old key is still used by an
	// application that was never moved.
	tc = ts("2026-10-20T09:14:28Z")
	e = g.call(Sandbox, "us-east-1", tc, "iam.amazonaws.com", "CreateAccessKey", userIdentity(Sandbox, "ivan", ivanOld), "203.0.113.7", cli)
	e["responseElements"] = ev{"accessKey": ev{"userName": "ivan", "accessKeyId": ivanNew, "status": "Active", "createDate": awsDate(tc)}}
	e["readOnly"] = false
	g.put(Sandbox, "us-east-1", e)
	for d := 21; d <= 31; d++ {
		g.put(Sandbox, "us-east-1", g.call(Sandbox, "us-east-1", ts(fmt.Sprintf("2026-10-%02dT20:00:00Z", d)), "s3.amazonaws.com", "GetObject", userIdentity(Sandbox, "ivan", ivanNew), "10.20.0.5", boto))
		g.put(Sandbox, "eu-west-1", g.call(Sandbox, "eu-west-1", ts(fmt.Sprintf("2026-10-%02dT21:00:00Z", d)), "dynamodb.amazonaws.com", "Query", userIdentity(Sandbox, "ivan", ivanOld), "203.0.113.7", "legacy-billing-exporter/0.9 "+oldCLI))
	}
	g.put(Sandbox, "us-east-1", g.call(Sandbox, "us-east-1", ts("2026-09-10T04:00:00Z"), "ecr.amazonaws.com", "GetAuthorizationToken", userIdentity(Sandbox, "automation/ci-bot", ciBot), "192.0.2.200", boto))
	e = g.call(Sandbox, "us-east-1", ts("2026-09-10T03:55:00Z"), "sts.amazonaws.com", "GetCallerIdentity", userIdentity(Sandbox, "automation/ci-bot", ciBot), "192.0.2.200", boto)
	g.put(Sandbox, "us-east-1", e)

	// In dev, heidi tries to give frank a third key: the quota says no.
	e = g.call(Dev, "us-east-1", ts("2026-10-29T09:00:00Z"), "iam.amazonaws.com", "CreateAccessKey", userIdentity(Dev, "heidi", heidi), "198.51.100.77", cli)
	e["requestParameters"] = ev{"userName": "frank"}
	e["errorCode"], e["errorMessage"] = "LimitExceededException", "Cannot exceed quota for AccessKeysPerUser: 2"
	e["readOnly"] = false
	g.put(Dev, "us-east-1", e)
	g.put(Dev, "us-east-1", g.call(Dev, "us-east-1", ts("2026-10-30T09:00:00Z"), "s3.amazonaws.com", "ListBuckets", userIdentity(Dev, "frank", frank2), "198.51.100.78", cli))
	// heidi also works in the console: a console session key, no STS record.
	hc := g.key("heidi-console", "ASIA", Dev)
	ui := ev{"type": "IAMUser", "principalId": "AIDA" + Dev + "heidi", "arn": "arn:aws:iam::" + Dev + ":user/heidi", "accountId": Dev, "accessKeyId": hc, "userName": "heidi",
		"sessionContext": ev{"attributes": ev{"creationDate": "2026-10-31T08:58:00Z", "mfaAuthenticated": "true"}}}
	for i, name := range []string{"DescribeInstances", "DescribeSecurityGroups", "DescribeVpcs"} {
		e = g.call(Dev, "us-east-1", ts("2026-10-31T09:00:00Z").Add(time.Duration(i)*time.Minute), "ec2.amazonaws.com", name, ui, "198.51.100.77", "AWS Internal")
		e["sessionCredentialFromConsole"] = "true"
		g.put(Dev, "us-east-1", e)
	}

	// judy signs in through the company's SAML provider.
	ts1 := ts("2026-10-30T15:00:00Z")
	saml := g.key("judy-saml", "ASIA", Sandbox)
	e = g.call(Sandbox, "us-east-1", ts1, "sts.amazonaws.com", "AssumeRoleWithSAML",
		ev{"type": "SAMLUser", "principalId": "ExampleIdP:judy@example.com", "userName": "judy@example.com", "identityProvider": "ExampleIdP"}, "198.51.100.30", "Mozilla/5.0")
	e["requestParameters"] = ev{"roleArn": "arn:aws:iam::" + Sandbox + ":role/Admins", "principalArn": "arn:aws:iam::" + Sandbox + ":saml-provider/ExampleIdP", "durationSeconds": 3600}
	e["responseElements"] = ev{"credentials": g.credentials(saml, ts1.Add(time.Hour)), "subject": "judy@example.com", "issuer": "https://idp.example.com/saml",
		"assumedRoleUser": ev{"arn": "arn:aws:sts::" + Sandbox + ":assumed-role/Admins/judy@example.com"}}
	g.put(Sandbox, "us-east-1", e)
	g.put(Sandbox, "us-east-1", g.call(Sandbox, "us-east-1", ts1.Add(4*time.Minute), "iam.amazonaws.com", "ListRoles", roleIdentity(Sandbox, "Admins", "judy@example.com", saml, "Role", ts1, false), "198.51.100.30", "AWS Internal"))

	// A CI pipeline deploys with a web identity token.
	tw := ts("2026-10-28T11:00:00Z")
	web := g.key("gha", "ASIA", Prod)
	e = g.call(Prod, "us-east-1", tw, "sts.amazonaws.com", "AssumeRoleWithWebIdentity",
		ev{"type": "WebIdentityUser", "principalId": "token.actions.githubusercontent.com:sts.amazonaws.com:repo:example/app:ref:refs/heads/main", "userName": "repo:example/app:ref:refs/heads/main", "identityProvider": "token.actions.githubusercontent.com"}, "192.0.2.150", "aws-sdk-js/3.600.0")
	e["requestParameters"] = ev{"roleArn": "arn:aws:iam::" + Prod + ":role/gha-deploy", "roleSessionName": "GitHubActions"}
	e["responseElements"] = ev{"credentials": g.credentials(web, tw.Add(time.Hour)), "provider": "arn:aws:iam::" + Prod + ":oidc-provider/token.actions.githubusercontent.com",
		"subjectFromWebIdentityToken": "repo:example/app:ref:refs/heads/main", "audience": "sts.amazonaws.com", "assumedRoleUser": ev{"arn": "arn:aws:sts::" + Prod + ":assumed-role/gha-deploy/GitHubActions"}}
	g.put(Prod, "us-east-1", e)
	g.put(Prod, "us-east-1", g.call(Prod, "us-east-1", tw.Add(time.Minute), "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", roleIdentity(Prod, "gha-deploy", "GitHubActions", web, "Role", tw, false), "192.0.2.150", "aws-sdk-js/3.600.0"))

	// EC2 assumes an instance role; the instance then reads from S3.
	te := ts("2026-10-26T06:00:00Z")
	ec2 := g.key("web-server", "ASIA", Prod)
	e = g.call(Prod, "us-east-1", te, "sts.amazonaws.com", "AssumeRole", ev{"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}, "ec2.amazonaws.com", "ec2.amazonaws.com")
	e["requestParameters"] = ev{"roleArn": "arn:aws:iam::" + Prod + ":role/web-server", "roleSessionName": "i-0abc1234def567890"}
	e["responseElements"] = ev{"credentials": ev{"accessKeyId": ec2, "sessionToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "expiration": awsDate(te.Add(6 * time.Hour))}}
	g.put(Prod, "us-east-1", e)
	g.put(Prod, "us-east-1", g.call(Prod, "us-east-1", te.Add(10*time.Minute), "s3.amazonaws.com", "GetObject", roleIdentity(Prod, "web-server", "i-0abc1234def567890", ec2, "Role", te, false), "10.0.1.15", boto))

	// A temporary key whose issuing call is older than the logs.
	old := g.key("before-logs", "ASIA", Prod)
	g.put(Prod, "us-east-1", g.call(Prod, "us-east-1", ts("2026-10-18T00:05:00Z"), "s3.amazonaws.com", "ListBuckets", roleIdentity(Prod, "backup", "nightly", old, "Role", ts("2026-10-17T23:50:00Z"), false), "10.0.2.9", boto))

	// A key of an account outside the organization reads a prod bucket.
	e = g.call(Prod, "eu-west-1", ts("2026-10-29T13:37:00Z"), "s3.amazonaws.com", "GetObject", userIdentity(Outside, "partner-sync", outsider), "203.0.113.250", boto)
	e["requestParameters"] = ev{"bucketName": "prod-reports", "key": "daily/29.csv"}
	g.put(Prod, "eu-west-1", e)
	return g
}

// Write writes the demo's CloudTrail files under dir (testdata/demo/cloudtrail).
func Write(dir string) error {
	g := build()
	// S3 delivery files of an organization trail: one file per account,
	// region and day, records not in time order within a file.
	type fileKey struct{ account, region, day string }
	files := map[fileKey][]ev{}
	for _, p := range g.events {
		day := p.e["eventTime"].(string)[:10]
		k := fileKey{p.account, p.region, day}
		files[k] = append(files[k], p.e)
	}
	keys := make([]fileKey, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.account != b.account {
			return a.account < b.account
		}
		if a.region != b.region {
			return a.region < b.region
		}
		return a.day < b.day
	})
	var chained []byte // the log file the digest chain lists
	for _, k := range keys {
		recs := files[k]
		// newest first: delivery order is not time order
		sort.SliceStable(recs, func(i, j int) bool { return recs[i]["eventTime"].(string) > recs[j]["eventTime"].(string) })
		y, m, d := k.day[:4], k.day[5:7], k.day[8:10]
		name := fmt.Sprintf("%s_CloudTrail_%s_%s%s%sT2355Z_demo%s.json.gz", k.account, k.region, y, m, d, k.region[len(k.region)-1:])
		path := filepath.Join(dir, "AWSLogs", OrgID, k.account, "CloudTrail", k.region, y, m, d, name)
		raw, err := writeJSON(path, ev{"Records": recs}, true)
		if err != nil {
			return err
		}
		if k.account == Prod && k.region == "us-east-1" && k.day == chainDay {
			chained = raw
		}
	}
	if err := writeDigestChain(dir, chained); err != nil {
		return err
	}
	// An analyst's lookup-events export of the sandbox that overlaps the S3
	// files: its events are duplicates and are read once.
	var lookup []any
	for _, p := range g.events {
		if p.account == Sandbox && p.e["eventSource"] == "iam.amazonaws.com" {
			inner, err := json.Marshal(p.e)
			if err != nil {
				return err
			}
			lookup = append(lookup, ev{"EventId": p.e["eventID"], "EventName": p.e["eventName"], "EventTime": p.e["eventTime"],
				"EventSource": p.e["eventSource"], "CloudTrailEvent": string(inner)})
		}
	}
	if _, err := writeJSON(filepath.Join(dir, "exports", "sandbox-lookup-events.json"), ev{"Events": lookup}, false); err != nil {
		return err
	}
	// A SIEM's JSON-lines export of dev's events, overlapping the S3 files too.
	var lines bytes.Buffer
	for _, p := range g.events {
		if p.account == Dev {
			b, err := json.Marshal(p.e)
			if err != nil {
				return err
			}
			lines.Write(b)
			lines.WriteByte('\n')
		}
	}
	return os.WriteFile(filepath.Join(dir, "exports", "dev-siem-export.jsonl"), lines.Bytes(), 0o644)
}

// writeJSON writes v as JSON (gzipped when gz) and returns the JSON.
func writeJSON(path string, v any, gz bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	data := raw
	if gz {
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(data)
		w.Close()
		data = z.Bytes()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return raw, os.WriteFile(path, data, 0o644)
}

func writeGzipJSON(path string, v any) error {
	_, err := writeJSON(path, v, true)
	return err
}
