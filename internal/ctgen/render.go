package ctgen

import (
	"bytes"
	"io"
	"math/rand/v2"
	"strconv"
)

// signer is the userIdentity of a call.
type signer struct {
	typ         string // IAMUser, Root, AssumedRole, AWSService, AWSAccount, SAMLUser, WebIdentityUser
	principalID string
	arn         string
	acct        string
	keyID       string
	userName    string
	invokedBy   string
	idp         string // SAMLUser / WebIdentityUser identityProvider
	// sessionContext
	ctx        bool
	created    int64
	mfa        bool
	role       *role
	roleARN    string
	webFed     string
	srcIdent   string
	ec2        bool
	console    bool
	ip, ua     string
	noTLS      bool
	sessionIdx int
}

type renderer struct {
	p   *plan
	w   jw
	pcg *rand.PCG
	r   *rand.Rand
}

func newRenderer(p *plan) *renderer {
	pcg := rand.NewPCG(0, 0)
	return &renderer{p: p, pcg: pcg, r: rand.New(pcg)}
}

// seedSlot makes the random stream of one record depend only on the seed,
// the file and the slot.
func (x *renderer) seedSlot(file, slot int) {
	x.pcg.Seed(x.p.cfg.Seed^uint64(file)*0x9e3779b97f4a7c15, uint64(slot)*0xbf58476d1ce4e5b9+0x94d049bb133111eb)
}

func (x *renderer) version() string {
	if x.r.IntN(5) == 0 {
		return "1.09"
	}
	return "1.08"
}

func (x *renderer) identity(s *signer, v109 bool) {
	w := &x.w
	w.obj("userIdentity")
	w.str("type", s.typ)
	if s.principalID != "" {
		w.str("principalId", s.principalID)
	}
	if s.arn != "" {
		w.str("arn", s.arn)
	}
	if s.acct != "" {
		w.str("accountId", s.acct)
	}
	if s.keyID != "" {
		w.str("accessKeyId", s.keyID)
	}
	if s.userName != "" {
		w.str("userName", s.userName)
	}
	if s.idp != "" {
		w.str("identityProvider", s.idp)
	}
	if s.ctx {
		w.obj("sessionContext")
		if s.role != nil {
			w.obj("sessionIssuer")
			w.str("type", "Role")
			w.str("principalId", s.role.id)
			w.str("arn", s.roleARN)
			w.str("accountId", s.acct)
			w.str("userName", s.role.name)
			w.end()
		} else if !v109 {
			w.emptyObj("sessionIssuer")
		}
		if s.webFed != "" {
			w.obj("webIdFederationData")
			w.str("federatedProvider", s.webFed)
			w.emptyObj("attributes")
			w.end()
		} else if !v109 {
			w.emptyObj("webIdFederationData")
		}
		w.obj("attributes")
		w.isoTime("creationDate", s.created)
		w.str("mfaAuthenticated", strconv.FormatBool(s.mfa))
		w.end()
		if s.srcIdent != "" {
			w.str("sourceIdentity", s.srcIdent)
		}
		if s.ec2 {
			w.str("ec2RoleDelivery", "2.0")
		}
		w.end()
	}
	if s.invokedBy != "" {
		w.str("invokedBy", s.invokedBy)
	}
	w.end()
}

// head writes the fields up to and including userAgent.
func (x *renderer) head(s *signer, t int64, svc, name, region, ip, ua string) {
	w := &x.w
	w.elemObj()
	v := x.version()
	w.str("eventVersion", v)
	x.identity(s, v == "1.09")
	w.isoTime("eventTime", t)
	w.str("eventSource", svc+".amazonaws.com")
	w.str("eventName", name)
	w.str("awsRegion", region)
	w.str("sourceIPAddress", ip)
	w.str("userAgent", ua)
}

type tailOpts struct {
	ro        bool
	recipient string
	shared    string
	tlsHost   string
	console   bool
	eventType string
	s3        bool
	resources func()
}

func (x *renderer) tail(o tailOpts) {
	w := &x.w
	r := x.r
	if o.s3 {
		w.str("requestID", alnumUpper(r, 16))
	} else {
		w.str("requestID", uuid(r))
	}
	w.str("eventID", uuid(r))
	if o.eventType != "AwsConsoleSignIn" {
		w.boolean("readOnly", o.ro)
	}
	if o.resources != nil {
		w.arr("resources")
		o.resources()
		w.endArr()
	}
	if o.eventType == "" {
		o.eventType = "AwsApiCall"
	}
	w.str("eventType", o.eventType)
	w.boolean("managementEvent", true)
	w.str("recipientAccountId", o.recipient)
	if o.shared != "" {
		w.str("sharedEventID", o.shared)
	}
	w.str("eventCategory", "Management")
	if o.tlsHost != "" {
		w.obj("tlsDetails")
		if r.IntN(3) == 0 {
			w.str("tlsVersion", "TLSv1.2")
			w.str("cipherSuite", "ECDHE-RSA-AES128-GCM-SHA256")
		} else {
			w.str("tlsVersion", "TLSv1.3")
			w.str("cipherSuite", "TLS_AES_128_GCM_SHA256")
		}
		w.str("clientProvidedHostHeader", o.tlsHost)
		w.end()
	}
	if o.console {
		w.str("sessionCredentialFromConsole", "true")
	}
	w.end()
}

func alnumUpper(r *rand.Rand, n int) string {
	const cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = cs[r.IntN(len(cs))]
	}
	return string(b)
}

func host(svc, region string) string {
	if svc == "iam" || svc == "s3" && region == "us-east-1" {
		return svc + ".amazonaws.com"
	}
	return svc + "." + region + ".amazonaws.com"
}

// call writes an ordinary API call by s.
func (x *renderer) call(s *signer, t int64, region, recipient string) {
	r := x.r
	a := pickAPI(r)
	for a.svc == "iam" && region != "us-east-1" {
		a = pickAPI(r) // IAM is logged in us-east-1 only
	}
	c := callCtx{acct: recipient, region: region, t: t}
	x.head(s, t, a.svc, a.name, region, s.ip, s.ua)
	w := &x.w
	failed := false
	if r.IntN(25) == 0 {
		failed = true
		if len(a.errs) > 0 && r.IntN(2) == 0 {
			w.str("errorCode", a.errs[r.IntN(len(a.errs))])
			w.str("errorMessage", "The specified resource does not exist.")
		} else {
			code := "AccessDenied"
			if a.svc == "dynamodb" || a.svc == "kms" || a.svc == "lambda" || a.svc == "logs" || a.svc == "ssm" || a.svc == "secretsmanager" {
				code = "AccessDeniedException"
			}
			w.str("errorCode", code)
			w.str("errorMessage", "User: "+s.arn+" is not authorized to perform: "+a.svc+":"+a.name+" because no identity-based policy allows the "+a.svc+":"+a.name+" action")
		}
	}
	if a.req == nil {
		w.null("requestParameters")
	} else {
		w.obj("requestParameters")
		a.req(w, r, &c)
		w.end()
	}
	if a.resp == nil || failed {
		w.null("responseElements")
	} else {
		w.obj("responseElements")
		a.resp(w, r, &c)
		w.end()
	}
	if a.svc == "s3" {
		w.obj("additionalEventData")
		w.str("SignatureVersion", "SigV4")
		w.str("CipherSuite", "TLS_AES_128_GCM_SHA256")
		w.num("bytesTransferredIn", 0)
		w.str("AuthenticationMethod", "AuthHeader")
		w.str("x-amz-id-2", alnum(r, 56)+"=")
		w.num("bytesTransferredOut", int64(r.IntN(20000)))
		w.end()
	}
	o := tailOpts{ro: a.ro, recipient: recipient, s3: a.svc == "s3", console: s.console}
	if !s.noTLS {
		o.tlsHost = host(a.svc, region)
	}
	x.tail(o)
}

// keySigner is an IAM user (or root) calling with a long-term AKIA key.
func (x *renderer) keySigner(ki int) signer {
	p := x.p
	k := &p.keys[ki]
	a := &p.accts[k.acct]
	if k.user < 0 {
		return signer{typ: "Root", principalID: a.id, arn: rootARN(a.id), acct: a.id, keyID: k.id,
			ip: publicIP(x.r), ua: userAgents[x.r.IntN(uaGeneric)]}
	}
	u := &p.users[k.user]
	ua := (ki*7 + int(x.r.IntN(3))) % uaGeneric
	return signer{typ: "IAMUser", principalID: u.id, arn: u.arn, acct: a.id, keyID: k.id, userName: u.name,
		ip: ipFor(ki, x.r), ua: userAgents[ua]}
}

// ipFor keeps a key's calls to a few addresses.
func ipFor(seed int, r *rand.Rand) string {
	q := rand.New(rand.NewPCG(uint64(seed), uint64(r.IntN(3))))
	return publicIP(q)
}

func (x *renderer) assumedARN(s *session) string {
	ro := &x.p.roles[s.role]
	return "arn:aws:sts::" + x.p.accts[s.acct].id + ":assumed-role/" + ro.name + "/" + s.sessName
}

// sessionSigner is the identity of a call signed by session key s.
func (x *renderer) sessionSigner(si int) signer {
	p := x.p
	s := &p.sessions[si]
	a := &p.accts[s.acct]
	sg := signer{acct: a.id, keyID: s.key, ctx: true, created: s.issued, mfa: s.mfa, ip: s.ip, ua: userAgents[s.ua], sessionIdx: si}
	if s.role >= 0 {
		ro := &p.roles[s.role]
		sg.typ = "AssumedRole"
		sg.principalID = ro.id + ":" + s.sessName
		sg.arn = x.assumedARN(s)
		sg.role = ro
		sg.roleARN = ro.arn(p.world)
		sg.srcIdent = s.srcIdent
		if s.kind == kindWeb && s.parent < 0 {
			sg.webFed = s.provider
		}
		if s.serviceIssued() {
			switch ro.service {
			case "ec2.amazonaws.com", "elasticmapreduce.amazonaws.com":
				sg.ec2 = true
				sg.ip = "10." + strconv.Itoa(si%250) + "." + strconv.Itoa(si/250%250) + ".17"
				sg.ua = userAgents[0]
			case "lambda.amazonaws.com":
				sg.ua = userAgents[2]
			default:
				sg.ua = userAgents[5]
			}
		}
		return sg
	}
	if s.user >= 0 {
		u := &p.users[s.user]
		sg.typ, sg.principalID, sg.arn, sg.userName = "IAMUser", u.id, u.arn, u.name
	} else {
		sg.typ, sg.principalID, sg.arn = "Root", a.id, rootARN(a.id)
	}
	if s.kind == kindConsole {
		sg.console = true
		sg.noTLS = true
		sg.ua = userAgents[uaConsole]
	}
	return sg
}

func (x *renderer) credentials(s *session, t int64) {
	w := &x.w
	w.obj("credentials")
	w.str("accessKeyId", s.key)
	if s.hidden {
		w.str("sessionToken", "HIDDEN_DUE_TO_SECURITY_REASONS")
	} else {
		w.str("sessionToken", "FAKE-SESSION-TOKEN-"+strconv.Itoa(s.token))
	}
	w.javaTime("expiration", s.expires)
	w.end()
}

func (x *renderer) assumedRoleUser(s *session) {
	w := &x.w
	w.obj("assumedRoleUser")
	w.str("assumedRoleId", x.p.roles[s.role].id+":"+s.sessName)
	w.str("arn", x.assumedARN(s))
	w.end()
}

// callerSigner is the identity that made the issuing call of s.
func (x *renderer) callerSigner(s *session) signer {
	if s.parent >= 0 {
		return x.sessionSigner(s.parent)
	}
	sg := x.keySigner(s.issuerKey)
	sg.ip, sg.ua = s.ip, userAgents[s.ua]
	return sg
}

func (x *renderer) issue(si int, t int64, region string, roleCopy bool) {
	p := x.p
	s := &p.sessions[si]
	w := &x.w
	r := x.r
	var sg signer
	recipient := p.accts[s.callerAcct].id
	switch s.api {
	case "AssumeRole":
		if s.serviceIssued() {
			sg = signer{typ: "AWSService", invokedBy: s.provider, ip: s.provider, ua: s.provider, noTLS: true}
		} else {
			sg = x.callerSigner(s)
		}
		if roleCopy {
			sg = signer{typ: "AWSAccount", principalID: sg.principalID, acct: sg.acct, keyID: sg.keyID, ip: sg.ip, ua: sg.ua}
			recipient = p.accts[s.acct].id
		}
	case "AssumeRoleWithSAML":
		sg = signer{typ: "SAMLUser", principalID: samlHash(s.provider) + ":" + s.subject, userName: s.subject, idp: samlHash(s.provider), ip: s.ip, ua: userAgents[s.ua]}
	case "AssumeRoleWithWebIdentity":
		sg = signer{typ: "WebIdentityUser", principalID: s.provider + ":sts.amazonaws.com:" + s.subject, userName: s.subject, idp: s.provider, ip: s.ip, ua: userAgents[s.ua]}
	case "GetSessionToken":
		sg = x.callerSigner(s)
	}
	x.head(&sg, t, "sts", s.api, region, sg.ip, sg.ua)
	w.obj("requestParameters")
	roleARN := ""
	if s.role >= 0 {
		roleARN = p.roles[s.role].arn(p.world)
	}
	switch s.api {
	case "AssumeRole":
		w.str("roleArn", roleARN)
		w.str("roleSessionName", s.sessName)
		if !s.serviceIssued() || r.IntN(2) == 0 {
			w.num("durationSeconds", int64(s.duration))
		}
		if s.srcIdent != "" && s.parent < 0 {
			w.str("sourceIdentity", s.srcIdent)
		}
	case "AssumeRoleWithSAML":
		w.str("sAMLAssertionID", "_"+hex(r, 32))
		w.str("roleSessionName", s.sessName)
		w.str("principalArn", s.provider)
		w.str("roleArn", roleARN)
		w.num("durationSeconds", int64(s.duration))
	case "AssumeRoleWithWebIdentity":
		w.str("roleArn", roleARN)
		w.str("roleSessionName", s.sessName)
		w.num("durationSeconds", int64(s.duration))
	case "GetSessionToken":
		w.num("durationSeconds", int64(s.duration))
		if s.mfa {
			if s.user >= 0 {
				w.str("serialNumber", "arn:aws:iam::"+p.accts[s.acct].id+":mfa/"+p.users[s.user].name)
			} else {
				w.str("serialNumber", "arn:aws:iam::"+p.accts[s.acct].id+":mfa/root-account-mfa-device")
			}
		}
	}
	w.end()
	w.obj("responseElements")
	x.credentials(s, t)
	if s.role >= 0 {
		x.assumedRoleUser(s)
	}
	switch s.api {
	case "AssumeRole":
		if s.srcIdent != "" {
			w.str("sourceIdentity", s.srcIdent)
		}
	case "AssumeRoleWithSAML":
		w.num("packedPolicySize", int64(5+r.IntN(20)))
		w.str("subject", s.subject)
		w.str("subjectType", "persistent")
		w.str("issuer", s.issuer)
		w.str("audience", "https://signin.aws.amazon.com/saml")
		w.str("nameQualifier", samlHash(s.provider+s.issuer))
	case "AssumeRoleWithWebIdentity":
		w.str("subjectFromWebIdentityToken", s.subject)
		w.str("provider", s.provider)
		w.str("audience", "sts.amazonaws.com")
	}
	w.end()
	if s.api == "AssumeRoleWithWebIdentity" {
		w.obj("additionalEventData")
		w.str("identityProviderConnectionVerificationMethod", "IAMTrustStore")
		w.str("RoleSessionName", s.sessName)
		w.end()
	}
	o := tailOpts{ro: true, recipient: recipient, shared: s.shared}
	if !sg.noTLS {
		o.tlsHost = "sts." + region + ".amazonaws.com"
	}
	if s.role >= 0 {
		acct := p.accts[s.acct].id
		o.resources = func() {
			w.elemObj()
			w.str("accountId", acct)
			w.str("type", "AWS::IAM::Role")
			w.str("ARN", roleARN)
			w.end()
		}
	}
	x.tail(o)
}

// samlHash stands in for the base64 digest CloudTrail shows as the SAML
// identityProvider; it is derived from the provider so it is stable.
func samlHash(s string) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	const cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 28)
	for i := range b {
		h = h*6364136223846793005 + 1442695040888963407
		b[i] = cs[h>>58]
	}
	return string(b[:27]) + "="
}

func (x *renderer) consoleLogin(si int, t int64) {
	p := x.p
	s := &p.sessions[si]
	a := &p.accts[s.acct]
	w := &x.w
	var sg signer
	if s.user >= 0 {
		u := &p.users[s.user]
		sg = signer{typ: "IAMUser", principalID: u.id, arn: u.arn, acct: a.id, userName: u.name}
	} else {
		sg = signer{typ: "Root", principalID: a.id, arn: rootARN(a.id), acct: a.id}
	}
	x.head(&sg, t, "signin", "ConsoleLogin", "us-east-1", s.ip, userAgents[uaBrowser])
	w.null("requestParameters")
	w.obj("responseElements")
	w.str("ConsoleLogin", "Success")
	w.end()
	w.obj("additionalEventData")
	w.str("LoginTo", "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true")
	w.str("MobileVersion", "No")
	if s.mfa {
		dev := "root-account-mfa-device"
		if sg.userName != "" {
			dev = sg.userName + "-device"
		}
		w.str("MFAIdentifier", "arn:aws:iam::"+a.id+":mfa/"+dev)
		w.str("MFAUsed", "Yes")
	} else {
		w.str("MFAUsed", "No")
	}
	w.end()
	x.tail(tailOpts{recipient: a.id, eventType: "AwsConsoleSignIn"})
}

// adminSigner is the identity that manages keys in account a.
func (x *renderer) adminSigner(a int) signer {
	u := &x.p.users[x.p.accts[a].users[0]]
	return x.keySigner(u.keys[0])
}

func (x *renderer) keyEvent(kind itemKind, ref int, t int64) {
	p := x.p
	w := &x.w
	var acct int
	var userName, keyID string
	var k *akia
	if kind == itKeyLimit {
		acct = p.users[ref].acct
		userName = p.users[ref].name
	} else {
		k = &p.keys[ref]
		acct = k.acct
		userName = p.users[k.user].name
		keyID = k.id
	}
	sg := x.adminSigner(acct)
	name := map[itemKind]string{itKeyCreate: "CreateAccessKey", itKeyLimit: "CreateAccessKey", itKeyUpdate: "UpdateAccessKey", itKeyDelete: "DeleteAccessKey"}[kind]
	x.head(&sg, t, "iam", name, "us-east-1", sg.ip, sg.ua)
	if kind == itKeyLimit {
		w.str("errorCode", "LimitExceededException")
		w.str("errorMessage", "Cannot exceed quota for AccessKeysPerUser: 2")
	}
	w.obj("requestParameters")
	w.str("userName", userName)
	switch kind {
	case itKeyUpdate:
		w.str("accessKeyId", keyID)
		w.str("status", "Inactive")
	case itKeyDelete:
		w.str("accessKeyId", keyID)
	}
	w.end()
	if kind == itKeyCreate {
		w.obj("responseElements")
		w.obj("accessKey")
		w.str("accessKeyId", keyID)
		w.str("status", "Active")
		w.str("userName", userName)
		w.javaTime("createDate", k.created.Unix())
		w.end()
		w.end()
	} else {
		w.null("responseElements")
	}
	x.tail(tailOpts{recipient: p.accts[acct].id, tlsHost: "iam.amazonaws.com"})
}

func (x *renderer) fail(fi int, t int64, region string) {
	p := x.p
	f := &p.fails[fi]
	w := &x.w
	r := x.r
	acct := p.accts[f.acct].id
	roleARN := p.roles[f.role].arn(p.world)
	var sg signer
	switch f.api {
	case "AssumeRole", "GetSessionToken":
		sg = x.keySigner(p.users[f.user].keys[0])
	case "AssumeRoleWithWebIdentity":
		sub := strconv.FormatInt(100000000000000000+r.Int64N(899999999999999999), 10)
		sg = signer{typ: "WebIdentityUser", principalID: "accounts.google.com:" + hex(r, 12) + ".apps.googleusercontent.com:" + sub, userName: sub, idp: "accounts.google.com", ip: publicIP(r), ua: userAgents[uaMobile]}
	case "AssumeRoleWithSAML":
		sub := pick(r, userNames[:19]) + "@example.com"
		sg = signer{typ: "SAMLUser", principalID: samlHash(acct) + ":" + sub, userName: sub, idp: samlHash(acct), ip: publicIP(r), ua: userAgents[uaBrowser]}
	}
	x.head(&sg, t, "sts", f.api, region, sg.ip, sg.ua)
	switch f.api {
	case "AssumeRole":
		w.str("errorCode", "AccessDenied")
		w.str("errorMessage", "User: "+sg.arn+" is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
		w.null("requestParameters")
	case "GetSessionToken":
		w.str("errorCode", "AccessDenied")
		w.str("errorMessage", "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
		w.obj("requestParameters")
		w.num("durationSeconds", 43200)
		w.str("serialNumber", "arn:aws:iam::"+acct+":mfa/"+p.users[f.user].name)
		w.end()
	case "AssumeRoleWithWebIdentity":
		w.str("errorCode", "InvalidIdentityToken")
		w.str("errorMessage", "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements")
		w.obj("requestParameters")
		w.str("roleArn", roleARN)
		w.str("roleSessionName", "app-"+hex(r, 8))
		w.end()
	case "AssumeRoleWithSAML":
		w.str("errorCode", "AccessDenied")
		w.str("errorMessage", "Not authorized to perform sts:AssumeRoleWithSAML")
		w.obj("requestParameters")
		w.str("sAMLAssertionID", "_"+hex(r, 32))
		w.str("roleSessionName", sg.userName)
		w.str("principalArn", "arn:aws:iam::"+acct+":saml-provider/Okta")
		w.str("roleArn", roleARN)
		w.num("durationSeconds", 3600)
		w.end()
	}
	w.null("responseElements")
	x.tail(tailOpts{ro: true, recipient: acct, tlsHost: "sts." + region + ".amazonaws.com"})
}

// slot writes the record of slot i of file fi.
func (x *renderer) slot(fi, i int) {
	p := x.p
	f := &p.files[fi]
	x.seedSlot(fi, i)
	region := regions[f.region]
	acct := p.accts[f.acct].id
	if i >= len(f.items) {
		st := p.accts[f.acct].stable
		sg := x.keySigner(st[x.r.IntN(len(st))])
		t := f.start + x.r.Int64N(f.end-f.start)
		x.call(&sg, t, region, acct)
		return
	}
	it := f.items[i]
	switch it.kind {
	case itUse:
		sg := x.sessionSigner(int(it.ref))
		x.call(&sg, p.abs(it.at), region, acct)
	case itIssue:
		x.issue(int(it.ref), p.abs(it.at), region, false)
	case itIssueRole:
		x.issue(int(it.ref), p.abs(it.at), region, true)
	case itConsoleLogin:
		x.consoleLogin(int(it.ref), p.abs(it.at))
	case itKeyUse:
		sg := x.keySigner(int(it.ref))
		x.call(&sg, p.abs(it.at), region, acct)
	case itKeyCreate, itKeyUpdate, itKeyDelete, itKeyLimit:
		x.keyEvent(it.kind, int(it.ref), p.abs(it.at))
	case itFail:
		x.fail(int(it.ref), p.abs(it.at), region)
	case itDup:
		x.slot(int(it.ref), int(it.aux))
	}
}

// flushAt is the buffered JSON size at which streamFile hands bytes to
// its writer.
const flushAt = 256 << 10

// streamFile writes the JSON document of file fi to out, holding at most
// about flushAt bytes, and returns the number of bytes written.
func (x *renderer) streamFile(fi int, out io.Writer) (int64, error) {
	f := &x.p.files[fi]
	x.w.b = append(x.w.b[:0], `{"Records":[`...)
	order := rand.New(rand.NewPCG(x.p.cfg.Seed+uint64(fi), 0x5851f42d4c957f2d)).Perm(f.count)
	var n int64
	flush := func() error {
		k, err := out.Write(x.w.b)
		n += int64(k)
		if len(x.w.b) > 0 {
			x.w.prev = x.w.b[len(x.w.b)-1]
		}
		x.w.b = x.w.b[:0]
		return err
	}
	for _, i := range order {
		x.slot(fi, i)
		if len(x.w.b) >= flushAt {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	x.w.b = append(x.w.b, ']', '}')
	err := flush()
	x.w.prev = 0
	return n, err
}

// renderFile returns the JSON document of file fi, appended to buf[:0].
func (x *renderer) renderFile(fi int, buf []byte) []byte {
	b := bytes.NewBuffer(buf[:0])
	x.streamFile(fi, b)
	return b.Bytes()
}
