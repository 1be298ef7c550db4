package sessions

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/golden"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
	acctC = "333333333333"
	akia  = "AKIAEXAMPLEUSER00001"
)

// want is the part of a Session a scenario checks explicitly (the golden
// file checks the rest).
type want struct {
	kind      RootKind
	principal string
	rootKey   string
	depth     int
	account   string
	issuedBy  string
	count     int64
	note      string // substring of Note; "" = Note must be empty
}

type scenario struct {
	name   string
	events []*ct.Event
	want   map[string]want
	absent []string // keys that must have no row
}

func scenarios() []scenario {
	userARN := "arn:aws:iam::" + acctA + ":user/alice"
	return []scenario{
		{
			name: "iam_user_depth1",
			events: []*ct.Event{
				assumeRole(iamUser(ev("i1", "2024-03-01T10:00:00Z", "AssumeRole"), acctA, "alice", akia),
					"arn:aws:iam::"+acctA+":role/deploy", "alice-cli", "ASIAUSERDEPTH1000001").
					Set(ct.ColSharedEventID, "s-i1").Set(ct.ColReqSourceIdentity, "alice"),
				assumed(call("u1", "2024-03-01T10:05:00Z", "DescribeInstances"), acctA, "deploy", "alice-cli", "ASIAUSERDEPTH1000001"),
				assumed(call("u2", "2024-03-01T10:01:00Z", "RunInstances"), acctA, "deploy", "alice-cli", "ASIAUSERDEPTH1000001"),
			},
			want: map[string]want{"ASIAUSERDEPTH1000001": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctA, issuedBy: "AssumeRole", count: 2}},
		},
		{
			name: "root_get_session_token",
			events: []*ct.Event{
				rootUser(ev("r1", "2024-03-02T08:00:00Z", "GetSessionToken"), acctA, "AKIAROOTKEY000000001").
					Set(ct.ColRespCredentialsAccessKeyID, "ASIAROOTSESSION00001"),
				rootUser(call("r2", "2024-03-02T08:10:00Z", "ListBuckets"), acctA, "ASIAROOTSESSION00001"),
			},
			want: map[string]want{"ASIAROOTSESSION00001": {kind: KindRoot, principal: "arn:aws:iam::" + acctA + ":root", rootKey: "AKIAROOTKEY000000001", depth: 1, account: acctA, issuedBy: "GetSessionToken", count: 1}},
		},
		{
			// alice's AKIA -> K1 (role in A) -> K2 (role in B, cross-account, logged
			// in A and B) -> K3 (role in C). K3 calls are logged in C only.
			name: "depth_1_2_3_cross_account",
			events: []*ct.Event{
				assumeRole(iamUser(ev("d1", "2024-04-01T09:00:00Z", "AssumeRole"), acctA, "alice", akia),
					"arn:aws:iam::"+acctA+":role/hop1", "h1", "ASIACHAINHOP10000001").Set(ct.ColSharedEventID, "s-d1"),
				// K1 assumes a role in B: one call, logged in A and in B.
				assumeRole(assumed(ev("d2a", "2024-04-01T09:01:00Z", "AssumeRole"), acctA, "hop1", "h1", "ASIACHAINHOP10000001"),
					"arn:aws:iam::"+acctB+":role/hop2", "h2", "ASIACHAINHOP20000002").Set(ct.ColSharedEventID, "s-d2").Set(ct.ColRequestID, "rq-d2"),
				assumeRole(assumed(ev("d2b", "2024-04-01T09:01:00Z", "AssumeRole"), acctA, "hop1", "h1", "ASIACHAINHOP10000001"),
					"arn:aws:iam::"+acctB+":role/hop2", "h2", "ASIACHAINHOP20000002").Set(ct.ColSharedEventID, "s-d2").Set(ct.ColRequestID, "rq-d2").
					Set(ct.ColRecipientAccountID, acctB),
				// K2 assumes a role in C: logged in B and C.
				assumeRole(assumed(ev("d3a", "2024-04-01T09:02:00Z", "AssumeRole"), acctB, "hop2", "h2", "ASIACHAINHOP20000002"),
					"arn:aws:iam::"+acctC+":role/hop3", "h3", "ASIACHAINHOP30000003").Set(ct.ColSharedEventID, "s-d3"),
				assumeRole(assumed(ev("d3b", "2024-04-01T09:02:00Z", "AssumeRole"), acctB, "hop2", "h2", "ASIACHAINHOP20000002"),
					"arn:aws:iam::"+acctC+":role/hop3", "h3", "ASIACHAINHOP30000003").Set(ct.ColSharedEventID, "s-d3").
					Set(ct.ColRecipientAccountID, acctC),
				// K2 reads a bucket in C: logged in B and C, counts once.
				assumed(call("d4a", "2024-04-01T09:03:00Z", "GetObject"), acctB, "hop2", "h2", "ASIACHAINHOP20000002").Set(ct.ColSharedEventID, "s-d4"),
				assumed(call("d4b", "2024-04-01T09:03:00Z", "GetObject"), acctB, "hop2", "h2", "ASIACHAINHOP20000002").Set(ct.ColSharedEventID, "s-d4").
					Set(ct.ColRecipientAccountID, acctC),
				assumed(call("d5", "2024-04-01T09:04:00Z", "DescribeVpcs"), acctC, "hop3", "h3", "ASIACHAINHOP30000003"),
			},
			want: map[string]want{
				"ASIACHAINHOP10000001": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctA, issuedBy: "AssumeRole", count: 1},
				"ASIACHAINHOP20000002": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 2, account: acctB, issuedBy: "AssumeRole", count: 2},
				"ASIACHAINHOP30000003": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 3, account: acctC, issuedBy: "AssumeRole", count: 1},
			},
		},
		{
			// The caller's account (B) is not in the input: its copies logged
			// in A and C are the only record of its calls, so both count.
			name: "caller_account_not_in_input",
			events: []*ct.Event{
				assumed(call("x1", "2024-04-02T09:00:00Z", "GetObject"), acctB, "r", "s", "ASIAFOREIGNCALLER001").Set(ct.ColRecipientAccountID, acctA),
				assumed(call("x2", "2024-04-02T09:01:00Z", "PutObject"), acctB, "r", "s", "ASIAFOREIGNCALLER001").Set(ct.ColRecipientAccountID, acctC),
				iamUser(call("x3", "2024-04-02T09:02:00Z", "ListUsers"), acctA, "alice", akia),
			},
			want: map[string]want{"ASIAFOREIGNCALLER001": {kind: KindUnattributed, account: acctB, count: 2, note: ReasonNoIssuer}},
		},
		{
			// The copy of a cross-account call logged in the role's account
			// may name the caller only by principal ID (type AWSAccount).
			name: "cross_account_awsaccount_copy",
			events: []*ct.Event{
				// Both copies: the caller's (full identity) wins.
				assumeRole(iamUser(ev("aw1", "2024-04-03T10:00:00Z", "AssumeRole"), acctA, "alice", akia).Set(ct.ColUIPrincipalID, "AIDAALICE"),
					"arn:aws:iam::"+acctB+":role/ops", "o1", "ASIAAWSACCOUNTBOTH01").Set(ct.ColSharedEventID, "s-aw1"),
				awsAccount(assumeRole(ev("aw0", "2024-04-03T10:00:00Z", "AssumeRole"),
					"arn:aws:iam::"+acctB+":role/ops", "o1", "ASIAAWSACCOUNTBOTH01"), acctA, "AIDAALICE", akia, acctB).Set(ct.ColSharedEventID, "s-aw1"),
				// Only the role account's copy; alice's principal ID is named
				// by another record of the input.
				awsAccount(assumeRole(ev("aw2", "2024-04-03T11:00:00Z", "AssumeRole"),
					"arn:aws:iam::"+acctB+":role/ops", "o2", "ASIAAWSACCOUNTONLY01"), acctA, "AIDAALICE", akia, acctB),
				// Only the role account's copy of a call by A's root key.
				awsAccount(assumeRole(ev("aw3", "2024-04-03T12:00:00Z", "AssumeRole"),
					"arn:aws:iam::"+acctB+":role/ops", "o3", "ASIAAWSACCOUNTROOT01"), acctA, acctA, "AKIAROOTKEY000000001", acctB),
				// Unknown principal ID: the user is not named.
				awsAccount(assumeRole(ev("aw4", "2024-04-03T13:00:00Z", "AssumeRole"),
					"arn:aws:iam::"+acctB+":role/ops", "o4", "ASIAAWSACCOUNTANON01"), acctC, "AIDAUNKNOWN", "AKIAEXAMPLEOTHER0001", acctB),
			},
			want: map[string]want{
				"ASIAAWSACCOUNTBOTH01": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctB, issuedBy: "AssumeRole"},
				"ASIAAWSACCOUNTONLY01": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctB, issuedBy: "AssumeRole"},
				"ASIAAWSACCOUNTROOT01": {kind: KindRoot, principal: "arn:aws:iam::" + acctA + ":root", rootKey: "AKIAROOTKEY000000001", depth: 1, account: acctB, issuedBy: "AssumeRole"},
				"ASIAAWSACCOUNTANON01": {kind: KindIAMUser, rootKey: "AKIAEXAMPLEOTHER0001", depth: 1, account: acctB, issuedBy: "AssumeRole", note: "issuer of long-term key not named (identity type AWSAccount, principal ID AIDAUNKNOWN, account 333333333333)"},
			},
		},
		{
			name: "assume_root_and_federation_token",
			events: []*ct.Event{
				// Centralised root access: a management-account user's key
				// gets a root session in member account B.
				iamUser(ev("ar1", "2025-01-10T09:00:00Z", "AssumeRoot"), acctA, "alice", akia).
					Set(ct.ColRequestParameters, `{"targetPrincipal":"`+acctB+`","taskPolicyArn":{"arn":"arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"}}`).
					Set(ct.ColReqTargetPrincipal, acctB).
					Set(ct.ColRespCredentialsAccessKeyID, "ASIAASSUMEROOT000001"),
				rootUser(call("ar2", "2025-01-10T09:01:00Z", "DeleteLoginProfile"), acctB, "ASIAASSUMEROOT000001"),
				// A federated user of alice.
				iamUser(ev("gf1", "2025-01-10T10:00:00Z", "GetFederationToken"), acctA, "alice", akia).
					Set(ct.ColRequestParameters, `{"name":"contractor","durationSeconds":3600}`).
					Set(ct.ColReqName, "contractor").
					Set(ct.ColRespCredentialsAccessKeyID, "ASIAFEDERATION000001"),
				ev("gf2", "2025-01-10T10:05:00Z", "ListBuckets").Set(ct.ColEventSource, "s3.amazonaws.com").
					Set(ct.ColUIType, "FederatedUser").Set(ct.ColUIARN, "arn:aws:sts::"+acctA+":federated-user/contractor").
					Set(ct.ColUIAccountID, acctA).Set(ct.ColUIAccessKeyID, "ASIAFEDERATION000001").Set(ct.ColRecipientAccountID, acctA),
			},
			want: map[string]want{
				"ASIAASSUMEROOT000001": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctB, issuedBy: "AssumeRoot", count: 1},
				"ASIAFEDERATION000001": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctA, issuedBy: "GetFederationToken", count: 1},
			},
		},
		{
			name: "saml_and_web_identity",
			events: []*ct.Event{
				ev("sa1", "2024-05-01T12:00:00Z", "AssumeRoleWithSAML").Set(ct.ColUIType, "SAMLUser").
					Set(ct.ColUIPrincipalID, "SAMLPRINCIPAL:bob@example.com").
					Set(ct.ColReqRoleARN, "arn:aws:iam::"+acctA+":role/sso-admin").
					Set(ct.ColReqPrincipalARN, "arn:aws:iam::"+acctA+":saml-provider/Okta").
					Set(ct.ColRespSubject, "bob@example.com").Set(ct.ColRespIssuer, "http://www.okta.com/x").
					Set(ct.ColRespAssumedRoleARN, "arn:aws:sts::"+acctA+":assumed-role/sso-admin/bob@example.com").
					Set(ct.ColRespCredentialsAccessKeyID, "ASIASAMLSESSION00001").Set(ct.ColRecipientAccountID, acctA),
				assumed(call("sa2", "2024-05-01T12:05:00Z", "DescribeInstances"), acctA, "sso-admin", "bob@example.com", "ASIASAMLSESSION00001"),
				ev("w1", "2024-05-01T13:00:00Z", "AssumeRoleWithWebIdentity").Set(ct.ColUIType, "WebIdentityUser").
					Set(ct.ColReqRoleARN, "arn:aws:iam::"+acctB+":role/gha-deploy").Set(ct.ColReqRoleSessionName, "gha-42").
					Set(ct.ColRespProvider, "arn:aws:iam::"+acctB+":oidc-provider/token.actions.githubusercontent.com").
					Set(ct.ColRespSubjectFromWebIdentityToken, "repo:octo/app:ref:refs/heads/main").
					Set(ct.ColRespCredentialsAccessKeyID, "ASIAWEBIDENTITY00001").Set(ct.ColRecipientAccountID, acctB),
			},
			want: map[string]want{
				"ASIASAMLSESSION00001": {kind: KindSAML, principal: "saml:Okta:bob@example.com", depth: 1, account: acctA, issuedBy: "AssumeRoleWithSAML", count: 1},
				"ASIAWEBIDENTITY00001": {kind: KindWebIdentity, principal: "web:arn:aws:iam::" + acctB + ":oidc-provider/token.actions.githubusercontent.com:repo:octo/app:ref:refs/heads/main", depth: 1, account: acctB, issuedBy: "AssumeRoleWithWebIdentity"},
			},
		},
		{
			// An instance profile: the service's AssumeRole carries
			// sessionToken HIDDEN_DUE_TO_SECURITY_REASONS and no
			// assumedRoleUser; the instance calls with the key later.
			name: "aws_service_hidden_token",
			events: []*ct.Event{
				service(ev("svc1", "2024-06-01T00:00:00Z", "AssumeRole"), "ec2.amazonaws.com", acctA).
					Set(ct.ColReqRoleARN, "arn:aws:iam::"+acctA+":role/web").Set(ct.ColReqRoleSessionName, "i-0abc").
					Set(ct.ColRespCredentialsAccessKeyID, "ASIASERVICEKEY000001").Set(ct.ColSharedEventID, "s-svc1").
					Set(ct.ColResponseElements, `{"credentials":{"accessKeyId":"ASIASERVICEKEY000001","sessionToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`),
				assumed(call("svc2", "2024-06-01T00:10:00Z", "DescribeTags"), acctA, "web", "i-0abc", "ASIASERVICEKEY000001"),
				// The instance's key assumes another role: depth 2, still aws_service.
				assumeRole(assumed(ev("svc3", "2024-06-01T00:20:00Z", "AssumeRole"), acctA, "web", "i-0abc", "ASIASERVICEKEY000001"),
					"arn:aws:iam::"+acctA+":role/reader", "app", "ASIASERVICECHILD0001"),
			},
			want: map[string]want{
				"ASIASERVICEKEY000001": {kind: KindAWSService, principal: "ec2.amazonaws.com", depth: 1, account: acctA, issuedBy: "AssumeRole", count: 2},
				"ASIASERVICECHILD0001": {kind: KindAWSService, principal: "ec2.amazonaws.com", depth: 2, account: acctA, issuedBy: "AssumeRole"},
			},
		},
		{
			name: "console",
			events: []*ct.Event{
				// Modern: sessionCredentialFromConsole.
				iamUser(call("c1", "2024-07-01T10:00:00Z", "DescribeInstances"), acctA, "alice", "ASIACONSOLEMODERN001").
					Set(ct.ColSessionCredentialFromConsole, true).Set(ct.ColUserAgent, "AWS Internal"),
				// Legacy: invokedBy signin.amazonaws.com; a second key of the same
				// sign-in (same creationDate) has no marker and is inferred.
				iamUser(call("c2", "2014-09-26T20:50:17Z", "DescribeAlarms"), acctA, "bob", "ASIACONSOLELEGACY001").
					Set(ct.ColUIInvokedBy, "signin.amazonaws.com").Set(ct.ColUISessionCreationDate, mustTime("2014-09-26T18:08:20Z")),
				iamUser(call("c3", "2014-09-26T20:55:00Z", "DescribeEnvironments"), acctA, "bob", "ASIACONSOLESIBLING01").
					Set(ct.ColUIInvokedBy, "elasticbeanstalk.amazonaws.com").Set(ct.ColUISessionCreationDate, mustTime("2014-09-26T18:08:20Z")),
				// Root signs in: the console calls GetSessionToken for it
				// (grycap, 2014); no access key, invokedBy signin.
				ev("c4", "2014-09-26T13:43:42Z", "GetSessionToken").Set(ct.ColUIType, "Root").
					Set(ct.ColUIARN, "arn:aws:iam::"+acctA+":root").Set(ct.ColUIAccountID, acctA).
					Set(ct.ColUIInvokedBy, "signin.amazonaws.com").Set(ct.ColRespCredentialsAccessKeyID, "ASIAROOTCONSOLE00001"),
			},
			want: map[string]want{
				"ASIACONSOLEMODERN001": {kind: KindConsole, principal: userARN, depth: 1, account: acctA, count: 1},
				"ASIACONSOLELEGACY001": {kind: KindConsole, principal: "arn:aws:iam::" + acctA + ":user/bob", depth: 1, account: acctA, count: 1},
				"ASIACONSOLESIBLING01": {kind: KindConsole, principal: "arn:aws:iam::" + acctA + ":user/bob", depth: 1, account: acctA, count: 1, note: "inferred from another key of the same session"},
				"ASIAROOTCONSOLE00001": {kind: KindConsole, principal: "arn:aws:iam::" + acctA + ":root", depth: 1, account: acctA, issuedBy: "GetSessionToken", note: "GetSessionToken by a console sign-in"},
			},
		},
		{
			name: "unattributed",
			events: []*ct.Event{
				assumed(call("n1", "2024-08-01T00:00:00Z", "ListBuckets"), acctA, "old-role", "sess", "ASIAISSUEDBEFORE0001"),
				// IAM user session without console marker or GetSessionToken.
				iamUser(call("n2", "2024-08-01T00:00:00Z", "ListBuckets"), acctA, "carol", "ASIAUSERNOMARKER0001"),
				// Seen only in calls a service made on the user's behalf.
				iamUser(call("n4", "2024-08-01T00:02:00Z", "GetSecretValue"), acctA, "dave", "ASIAFORWARDEDONLY001").
					Set(ct.ColUIInvokedBy, "secretsmanager.amazonaws.com"),
				// Issued by an unattributed key: unattributed too.
				assumeRole(assumed(ev("n3", "2024-08-01T00:01:00Z", "AssumeRole"), acctA, "old-role", "sess", "ASIAISSUEDBEFORE0001"),
					"arn:aws:iam::"+acctA+":role/next", "n", "ASIACHILDOFUNKNOWN01"),
			},
			want: map[string]want{
				"ASIAISSUEDBEFORE0001": {kind: KindUnattributed, account: acctA, count: 2, note: ReasonNoIssuer},
				"ASIAUSERNOMARKER0001": {kind: KindUnattributed, account: acctA, count: 1, note: ReasonUserNoConsole},
				"ASIAFORWARDEDONLY001": {kind: KindUnattributed, account: acctA, count: 1, note: ReasonForwarded},
				"ASIACHILDOFUNKNOWN01": {kind: KindUnattributed, account: acctA, issuedBy: "AssumeRole", note: "issuing key ASIAISSUEDBEFORE0001 is unattributed"},
			},
		},
		{
			name: "failed_calls_and_get_caller_identity",
			events: []*ct.Event{
				assumeRole(iamUser(ev("f1", "2024-09-01T00:00:00Z", "AssumeRole"), acctA, "alice", akia),
					"arn:aws:iam::"+acctA+":role/x", "s", "ASIAFAILEDNEVERISSUE").Set(ct.ColErrorCode, "AccessDenied"),
				assumeRole(iamUser(ev("f2", "2024-09-01T00:01:00Z", "AssumeRole"), acctA, "alice", akia),
					"arn:aws:iam::"+acctA+":role/x", "s", "ASIAGOODISSUE0000001"),
				// GetCallerIdentity signed with the key: a use, issues nothing.
				assumed(ev("f3", "2024-09-01T00:02:00Z", "GetCallerIdentity"), acctA, "x", "s", "ASIAGOODISSUE0000001"),
				// A failed call signed with the key is still a call made with it.
				assumed(call("f4", "2024-09-01T00:03:00Z", "TerminateInstances"), acctA, "x", "s", "ASIAGOODISSUE0000001").Set(ct.ColErrorCode, "UnauthorizedOperation"),
			},
			want:   map[string]want{"ASIAGOODISSUE0000001": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctA, issuedBy: "AssumeRole", count: 2}},
			absent: []string{"ASIAFAILEDNEVERISSUE"},
		},
		{
			name: "cycles",
			events: []*ct.Event{
				// A key claiming to issue itself.
				assumeRole(assumed(ev("y1", "2024-10-01T00:00:00Z", "AssumeRole"), acctA, "r", "s", "ASIASELFISSUED000001"),
					"arn:aws:iam::"+acctA+":role/r", "s", "ASIASELFISSUED000001"),
				// A issues B, B issues A; C is issued by B.
				assumeRole(assumed(ev("y2", "2024-10-01T00:01:00Z", "AssumeRole"), acctA, "r", "s", "ASIACYCLEA0000000001"),
					"arn:aws:iam::"+acctA+":role/r", "s", "ASIACYCLEB0000000002"),
				assumeRole(assumed(ev("y3", "2024-10-01T00:02:00Z", "AssumeRole"), acctA, "r", "s", "ASIACYCLEB0000000002"),
					"arn:aws:iam::"+acctA+":role/r", "s", "ASIACYCLEA0000000001"),
				assumeRole(assumed(ev("y4", "2024-10-01T00:03:00Z", "AssumeRole"), acctA, "r", "s", "ASIACYCLEB0000000002"),
					"arn:aws:iam::"+acctA+":role/r", "s", "ASIAINTOCYCLE0000003"),
			},
			want: map[string]want{
				"ASIASELFISSUED000001": {kind: KindUnattributed, account: acctA, issuedBy: "AssumeRole", count: 1, note: "issuance cycle: ASIASELFISSUED000001 -> ASIASELFISSUED000001"},
				"ASIACYCLEA0000000001": {kind: KindUnattributed, account: acctA, issuedBy: "AssumeRole", count: 1, note: "issuance cycle"},
				"ASIACYCLEB0000000002": {kind: KindUnattributed, account: acctA, issuedBy: "AssumeRole", count: 2, note: "issuance cycle"},
				"ASIAINTOCYCLE0000003": {kind: KindUnattributed, account: acctA, issuedBy: "AssumeRole", note: "issuing key ASIACYCLEB0000000002 is unattributed (issuance cycle)"},
			},
		},
		{
			// Two different records claim to issue the same key: the earliest
			// wins (then the smallest event ID), and the row says so.
			name: "duplicate_issuance",
			events: []*ct.Event{
				assumeRole(iamUser(ev("z2", "2024-11-01T00:05:00Z", "AssumeRole"), acctA, "mallory", "AKIAEXAMPLEMALLORY01"),
					"arn:aws:iam::"+acctA+":role/r", "late", "ASIADUPLICATEISSUE01").Set(ct.ColSharedEventID, "s-z2"),
				assumeRole(iamUser(ev("z1", "2024-11-01T00:00:00Z", "AssumeRole"), acctA, "alice", akia),
					"arn:aws:iam::"+acctA+":role/r", "early", "ASIADUPLICATEISSUE01").Set(ct.ColSharedEventID, "s-z1"),
				// Same time: smallest event ID wins.
				assumeRole(iamUser(ev("z4", "2024-11-02T00:00:00Z", "AssumeRole"), acctA, "mallory", "AKIAEXAMPLEMALLORY01"),
					"arn:aws:iam::"+acctA+":role/r", "b", "ASIADUPLICATETIE0001"),
				assumeRole(iamUser(ev("z3", "2024-11-02T00:00:00Z", "AssumeRole"), acctA, "alice", akia),
					"arn:aws:iam::"+acctA+":role/r", "a", "ASIADUPLICATETIE0001"),
			},
			want: map[string]want{
				"ASIADUPLICATEISSUE01": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctA, issuedBy: "AssumeRole", note: "conflicting issuing records; kept the earliest (event z1)"},
				"ASIADUPLICATETIE0001": {kind: KindIAMUser, principal: userARN, rootKey: akia, depth: 1, account: acctA, issuedBy: "AssumeRole", note: "kept the earliest (event z3)"},
			},
		},
	}
}

func mustTime(s string) time.Time {
	e := ev("x", s, "x")
	return e.Times[ct.ColEventTime]
}

func checkWant(t *testing.T, r *Result, key string, w want) {
	t.Helper()
	s := mustSession(t, r, key)
	got := want{kind: s.RootKind, principal: s.RootPrincipal, rootKey: s.RootAccessKeyID, depth: s.ChainDepth,
		account: s.AccountID, issuedBy: s.IssuedBy, count: s.EventCount, note: w.note}
	if got != w {
		t.Errorf("%s:\n got  %+v\n want %+v", key, got, w)
	}
	if w.note == "" && s.Note != "" || !strings.Contains(s.Note, w.note) {
		t.Errorf("%s: note %q, want it to contain %q", key, s.Note, w.note)
	}
	if s.RootKind == KindUnattributed && (s.RootPrincipal != "" || s.ChainDepth != 0) {
		t.Errorf("%s: unattributed with principal %q depth %d", key, s.RootPrincipal, s.ChainDepth)
	}
}

func TestScenarios(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			r := build(t, sc.events, len(sc.events))
			for k, w := range sc.want {
				checkWant(t, r, k, w)
			}
			for _, k := range sc.absent {
				if _, ok := r.Session(k); ok {
					t.Errorf("%s has a row, want none", k)
				}
			}
			for i := 1; i < len(r.Sessions); i++ {
				if r.Sessions[i-1].AccessKeyID >= r.Sessions[i].AccessKeyID {
					t.Errorf("sessions not sorted at %d", i)
				}
			}
			golden.CheckString(t, filepath.Join("testdata", sc.name+".golden"), render(r))
		})
	}
}

// TestOrderIndependence shuffles every scenario's events (and all of them
// together) across records of several sizes: the rendering must not change.
func TestOrderIndependence(t *testing.T) {
	var all []*ct.Event
	scs := scenarios()
	for _, sc := range scs {
		all = append(all, sc.events...)
	}
	scs = append(scs, scenario{name: "all", events: all})
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			want := render(build(t, sc.events, len(sc.events)))
			for seed := int64(1); seed <= 10; seed++ {
				for _, batch := range []int{1, 4} {
					got := render(build(t, shuffled(sc.events, seed), batch))
					if got != want {
						t.Fatalf("seed %d batch %d: result depends on order\n--- got\n%s--- want\n%s", seed, batch, got, want)
					}
				}
			}
		})
	}
}

// TestCrossAccountOnce: the AssumeRole from A into B is logged twice (two
// event IDs, one sharedEventID); it must not count as conflicting
// issuance, and the issuing key's call counts once.
func TestCrossAccountOnce(t *testing.T) {
	var sc scenario
	for _, s := range scenarios() {
		if s.name == "depth_1_2_3_cross_account" {
			sc = s
		}
	}
	r := build(t, sc.events, 3)
	for _, k := range []string{"ASIACHAINHOP20000002", "ASIACHAINHOP30000003"} {
		if s := mustSession(t, r, k); s.Note != "" {
			t.Errorf("%s: note %q, want none (copies of one call)", k, s.Note)
		}
	}
	if s := mustSession(t, r, "ASIACHAINHOP10000001"); s.EventCount != 1 || s.IssuerAccessKeyID != akia {
		t.Errorf("hop1: count %d issuer %s, want 1 %s", s.EventCount, s.IssuerAccessKeyID, akia)
	}
}

func TestChain(t *testing.T) {
	var events []*ct.Event
	for _, s := range scenarios() {
		events = append(events, s.events...)
	}
	r := build(t, events, 4)
	var lines []string
	for _, k := range []string{"ASIACHAINHOP30000003", "ASIASERVICECHILD0001", "ASIACONSOLELEGACY001", "ASIACYCLEA0000000001", "ASIASAMLSESSION00001"} {
		lines = append(lines, k+":")
		for _, h := range r.Chain(k) {
			lines = append(lines, "  "+h.String())
		}
	}
	golden.CheckString(t, "testdata/chain.golden", strings.Join(lines, "\n")+"\n")

	hops := r.Chain("ASIACHAINHOP30000003")
	if len(hops) != 4 {
		t.Fatalf("depth-3 chain has %d hops, want 3 keys + root", len(hops))
	}
	last := hops[3]
	if last.RootKind != KindIAMUser || last.Principal != "arn:aws:iam::"+acctA+":user/alice" || last.AccessKeyID != akia {
		t.Errorf("root hop %+v", last)
	}
	if hops[1].AccessKeyID != "ASIACHAINHOP20000002" || hops[1].RoleARN != "arn:aws:iam::"+acctB+":role/hop2" || hops[1].SourceIP == "" {
		t.Errorf("hop 1 %+v", hops[1])
	}
	if r.Chain("ASIANOTSEEN000000000") != nil {
		t.Error("Chain of an unknown key is not nil")
	}
}

// TestLongChain: a 20,000-hop chain resolves without recursion, and a key
// near the end has the right depth.
func TestLongChain(t *testing.T) {
	const n = 20000
	key := func(i int) string { return fmt.Sprintf("ASIALONG%012d", i) }
	events := []*ct.Event{assumeRole(iamUser(ev("l0", "2024-01-01T00:00:00Z", "AssumeRole"), acctA, "alice", akia),
		"arn:aws:iam::"+acctA+":role/r", "s", key(1))}
	for i := 1; i < n; i++ {
		events = append(events, assumeRole(assumed(ev(fmt.Sprintf("l%d", i), "2024-01-01T00:00:01Z", "AssumeRole"), acctA, "r", "s", key(i)),
			"arn:aws:iam::"+acctA+":role/r", "s", key(i+1)))
	}
	// Resolve from the deepest key first (it is last in sorted order otherwise).
	r := build(t, shuffled(events, 7), 1000)
	if s := mustSession(t, r, key(n)); s.ChainDepth != n || s.RootKind != KindIAMUser {
		t.Errorf("deepest key: depth %d kind %s, want %d iam_user", s.ChainDepth, s.RootKind, n)
	}
	if got := len(r.Chain(key(n))); got != n+1 {
		t.Errorf("chain has %d hops, want %d", got, n+1)
	}
}

func TestSchemaError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sch := arrow.NewSchema([]arrow.Field{{Name: "event_time", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(mem, sch)
	b.Field(0).(*array.StringBuilder).Append("x")
	rec := b.NewRecord()
	b.Release()
	defer rec.Release()
	err := New().Add(rec)
	if !errors.Is(err, ErrSchema) {
		t.Fatalf("err = %v, want ErrSchema", err)
	}

	// Right width, one column of the wrong type.
	fields := append([]arrow.Field(nil), ct.EventSchema.Fields()...)
	fields[ct.ColUIAccessKeyID].Type = arrow.PrimitiveTypes.Int64
	rb := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	rec2 := rb.NewRecord()
	rb.Release()
	defer rec2.Release()
	if err := New().Add(rec2); !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "user_identity_access_key_id") {
		t.Fatalf("err = %v, want ErrSchema naming the column", err)
	}
}

func TestSessionsRecord(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var events []*ct.Event
	for _, s := range scenarios() {
		events = append(events, s.events...)
	}
	r := build(t, events, 7)
	rec := SessionsRecord(mem, r.Sessions, time.Time{})
	defer rec.Release()
	if !rec.Schema().Equal(SessionSchema) || int(rec.NumRows()) != len(r.Sessions) {
		t.Fatalf("schema/rows mismatch: %d rows", rec.NumRows())
	}
	want := []string{"access_key_id", "account_id", "issued_by", "issued_at", "issuer_access_key_id", "role_arn",
		"session_name", "source_identity", "root_kind", "root_principal", "root_access_key_id", "chain_depth",
		"event_count", "first_seen", "last_seen"}
	for i, n := range want {
		if SessionSchema.Field(i).Name != n {
			t.Errorf("column %d is %s, want %s", i, SessionSchema.Field(i).Name, n)
		}
	}
	keys := rec.Column(ColAccessKeyID).(*array.String)
	depth := rec.Column(ColChainDepth).(*array.Int32)
	count := rec.Column(ColEventCount).(*array.Int64)
	first := rec.Column(ColFirstSeen).(*array.Timestamp)
	for i, s := range r.Sessions {
		if keys.Value(i) != s.AccessKeyID || count.Value(i) != s.EventCount {
			t.Errorf("row %d: %s %d, want %s %d", i, keys.Value(i), count.Value(i), s.AccessKeyID, s.EventCount)
		}
		if depth.IsNull(i) != (s.ChainDepth == 0) || s.ChainDepth != 0 && int(depth.Value(i)) != s.ChainDepth {
			t.Errorf("row %d: chain_depth null=%v, want depth %d", i, depth.IsNull(i), s.ChainDepth)
		}
		if first.IsNull(i) != s.FirstSeen.IsZero() {
			t.Errorf("row %d: first_seen null=%v, want %v", i, first.IsNull(i), s.FirstSeen)
		}
	}
}

func TestUnattributedSummary(t *testing.T) {
	var events []*ct.Event
	for _, s := range scenarios() {
		events = append(events, s.events...)
	}
	r := build(t, events, 7)
	n := 0
	for _, s := range r.Sessions {
		if s.RootKind == KindUnattributed {
			n++
		}
	}
	u := r.Unattributed
	sum := 0
	for _, rc := range u.Reasons {
		sum += rc.Count
	}
	if u.Count != n || sum != n || u.Total != len(r.Sessions) {
		t.Errorf("summary %+v, want count %d of %d", u, n, len(r.Sessions))
	}
	golden.CheckString(t, "testdata/unattributed_summary.golden", u.String()+"\n")
}

// TestSessionAges: age_days since the issue and unused_days since the last
// use, against the as-of time; null for a time after it or without one.
func TestSessionAges(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := build(t, scenarios()[0].events, 1) // issued 2024-03-01T10:00, last used 10:05
	for _, tt := range []struct {
		asOf      time.Time
		age, idle string
	}{
		{time.Date(2024, 3, 11, 10, 1, 0, 0, time.UTC), "10", "9"},
		{time.Date(2024, 3, 1, 10, 2, 0, 0, time.UTC), "0", "(null)"}, // last use after the as-of time
		{time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), "(null)", "(null)"},
		{time.Time{}, "(null)", "(null)"},
	} {
		rec := SessionsRecord(mem, r.Sessions, tt.asOf)
		age, idle := rec.Column(ColAgeDays), rec.Column(ColUnusedDays)
		if got := [2]string{age.ValueStr(0), idle.ValueStr(0)}; got != [2]string{tt.age, tt.idle} {
			t.Errorf("as of %v: age_days %s, unused_days %s; want %s, %s", tt.asOf, got[0], got[1], tt.age, tt.idle)
		}
		rec.Release()
	}
}
