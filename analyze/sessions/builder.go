package sessions

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// ErrSchema is the cause of every error about a record that does not have
// cloudtrail.EventSchema's columns.
var ErrSchema = cloudtrail.ErrSchema

// Builder collects per-key state from a stream of CloudTrail event records.
// It is not safe for concurrent use: call Add from one goroutine (the
// ingest engine's sink does), then Finish once.
type Builder struct {
	keys       map[string]*keyState // by temporary access key ID
	recipients map[string]struct{}  // every recipientAccountId seen
	strs       map[string]string    // interned strings
	principals map[string]string    // IAM user / root principalId -> ARN
	rows       int64
}

// keyState is the compact per-key state kept during the pass. Strings are
// interned; times are UTC milliseconds.
type keyState struct {
	issue    *issueRec // chosen issuing record, nil when none seen
	conflict bool      // another issuing record, not a copy of the chosen one, was seen

	home, away  int64 // uses logged in the caller's account / elsewhere
	first, last int64 // over uses
	used        bool

	// Identity of the uses, lexicographically smallest tuple (order independent).
	usedARN, usedType, usedAccount string
	usedCreated                    int64  // sessionContext.attributes.creationDate
	usedRole, usedSourceIdentity   string // sessionIssuer.arn when it is a role; sourceIdentity
	consoleMark                    bool   // a use carries a console-session marker
	direct                         bool   // a use not invoked by an AWS service on the caller's behalf
}

// issueRec is what is kept of a successful issuing record.
type issueRec struct {
	time                       int64
	eventID, shared, requestID string
	eventName                  string
	issuerKey, issuerType      string
	issuerARN, issuerAccount   string
	principalID                string // userIdentity.principalId, to name AWSAccount issuers
	invokedBy                  string
	roleARN, assumedRoleARN    string
	sessionName, sourceID      string
	principalARN               string // SAML provider ARN
	subject                    string // SAML subject
	provider, webSubject       string // web identity
	sourceIP, userAgent        string
	recipient                  string
	targetAccount              string // AssumeRoot: requestParameters.targetPrincipal
	console                    bool   // issued by a console sign-in
}

// New returns an empty Builder.
func New() *Builder {
	return &Builder{
		keys:       make(map[string]*keyState),
		recipients: make(map[string]struct{}),
		strs:       make(map[string]string),
		principals: make(map[string]string),
	}
}

// intern returns a copy of s owned by the Builder, shared by equal strings.
// The copy matters: values read from an Arrow array alias its buffers,
// which the Builder must not retain.
func (b *Builder) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := b.strs[s]; ok {
		return v
	}
	v := strings.Clone(s)
	b.strs[v] = v
	return v
}

func (b *Builder) state(key string) *keyState {
	st := b.keys[key]
	if st == nil {
		st = &keyState{}
		b.keys[strings.Clone(key)] = st
	}
	return st
}

// Add reads one event record (schema cloudtrail.EventSchema; extra columns
// after the schema's are ignored). It does not retain rec: the caller keeps
// ownership and may release it as soon as Add returns.
func (b *Builder) Add(rec arrow.Record) error {
	c, err := cloudtrail.NewView(rec)
	if err != nil {
		return fmt.Errorf("sessions: record %d: %w", b.rows, err)
	}
	b.rows++
	for i := 0; i < int(rec.NumRows()); i++ {
		b.addRow(c, i)
	}
	return nil
}

func (b *Builder) addRow(c *cloudtrail.View, i int) {
	if r := c.Str(cloudtrail.ColRecipientAccountID, i); r != "" {
		if _, ok := b.recipients[r]; !ok {
			b.recipients[strings.Clone(r)] = struct{}{}
		}
	}
	if typ := c.Str(cloudtrail.ColUIType, i); typ == "IAMUser" || typ == "Root" {
		// Remember who each principal ID is: a cross-account copy of a
		// call may name its caller by principal ID only (type AWSAccount).
		if id, arn := c.Str(cloudtrail.ColUIPrincipalID, i), c.Str(cloudtrail.ColUIARN, i); id != "" && arn != "" {
			if old, ok := b.principals[id]; !ok || arn < old {
				b.principals[b.intern(id)] = b.intern(arn)
			}
		}
	}
	if k := c.Str(cloudtrail.ColUIAccessKeyID, i); isTemporary(k) {
		b.addUse(b.state(k), c, i)
	}
	if k := c.Str(cloudtrail.ColRespCredentialsAccessKeyID, i); isTemporary(k) && c.Str(cloudtrail.ColErrorCode, i) == "" {
		b.addIssue(b.state(k), c, i)
	}
}

func isTemporary(key string) bool { return strings.HasPrefix(key, "ASIA") }

// Console-session markers on a using record.
const (
	signinService = "signin.amazonaws.com"
	consoleAgent  = "console.amazonaws.com"
)

func (b *Builder) addUse(st *keyState, c *cloudtrail.View, i int) {
	firstUse := !st.used
	t := c.Millis(cloudtrail.ColEventTime, i)
	if !st.used || t < st.first {
		st.first = t
	}
	if !st.used || t > st.last {
		st.last = t
	}
	st.used = true

	acct := c.Str(cloudtrail.ColUIAccountID, i)
	if r := c.Str(cloudtrail.ColRecipientAccountID, i); r == "" || r == acct {
		st.home++
	} else {
		st.away++
	}

	invokedBy := c.Str(cloudtrail.ColUIInvokedBy, i)
	if invokedBy == "" {
		st.direct = true
	}
	agent := c.Str(cloudtrail.ColUserAgent, i)
	if c.Bool(cloudtrail.ColSessionCredentialFromConsole, i) || invokedBy == signinService ||
		agent == consoleAgent || agent == signinService {
		st.consoleMark = true
	}

	arn, typ := c.Str(cloudtrail.ColUIARN, i), c.Str(cloudtrail.ColUIType, i)
	created := c.Millis(cloudtrail.ColUISessionCreationDate, i)
	role := ""
	if c.Str(cloudtrail.ColUIIssuerType, i) == "Role" {
		role = c.Str(cloudtrail.ColUIIssuerARN, i)
	}
	srcID := c.Str(cloudtrail.ColUISourceIdentity, i)
	if firstUse || lessIdentity(arn, typ, acct, created, role, srcID, st) {
		st.usedARN, st.usedType, st.usedAccount = b.intern(arn), b.intern(typ), b.intern(acct)
		st.usedCreated, st.usedRole, st.usedSourceIdentity = created, b.intern(role), b.intern(srcID)
	}
}

// lessIdentity orders using identities so that the kept one does not
// depend on record order: non-empty before empty, then lexicographic.
func lessIdentity(arn, typ, acct string, created int64, role, srcID string, st *keyState) bool {
	a := [...]string{arn, typ, acct, role, srcID}
	o := [...]string{st.usedARN, st.usedType, st.usedAccount, st.usedRole, st.usedSourceIdentity}
	for j := range a {
		if a[j] != o[j] {
			switch {
			case a[j] == "":
				return false
			case o[j] == "":
				return true
			}
			return a[j] < o[j]
		}
	}
	if created != st.usedCreated {
		return st.usedCreated == 0 || created != 0 && created < st.usedCreated
	}
	return false
}

func (b *Builder) addIssue(st *keyState, c *cloudtrail.View, i int) {
	r := &issueRec{
		issuerARN: c.Str(cloudtrail.ColUIARN, i), // compared by lessIssue; interned below
		time:      c.Millis(cloudtrail.ColEventTime, i),
		eventID:   strings.Clone(c.Str(cloudtrail.ColEventID, i)),
		shared:    strings.Clone(c.Str(cloudtrail.ColSharedEventID, i)),
		requestID: strings.Clone(c.Str(cloudtrail.ColRequestID, i)),
	}
	if st.issue != nil {
		copyOf := r.shared != "" && r.shared == st.issue.shared || r.requestID != "" && r.requestID == st.issue.requestID
		if !copyOf {
			st.conflict = true
		}
		if !lessIssue(r, st.issue) {
			return
		}
	}
	in := b.intern
	r.eventName = in(c.Str(cloudtrail.ColEventName, i))
	r.issuerKey = in(c.Str(cloudtrail.ColUIAccessKeyID, i))
	r.issuerType = in(c.Str(cloudtrail.ColUIType, i))
	r.issuerARN = in(c.Str(cloudtrail.ColUIARN, i))
	r.issuerAccount = in(c.Str(cloudtrail.ColUIAccountID, i))
	r.principalID = in(c.Str(cloudtrail.ColUIPrincipalID, i))
	r.invokedBy = in(c.Str(cloudtrail.ColUIInvokedBy, i))
	r.roleARN = in(c.Str(cloudtrail.ColReqRoleARN, i))
	r.assumedRoleARN = in(c.Str(cloudtrail.ColRespAssumedRoleARN, i))
	r.sessionName = in(c.Str(cloudtrail.ColReqRoleSessionName, i))
	r.sourceID = in(c.Str(cloudtrail.ColReqSourceIdentity, i))
	r.principalARN = in(c.Str(cloudtrail.ColReqPrincipalARN, i))
	r.subject = in(c.Str(cloudtrail.ColRespSubject, i))
	r.provider = in(c.Str(cloudtrail.ColRespProvider, i))
	r.webSubject = in(c.Str(cloudtrail.ColRespSubjectFromWebIdentityToken, i))
	r.sourceIP = in(c.Str(cloudtrail.ColSourceIPAddress, i))
	r.userAgent = in(c.Str(cloudtrail.ColUserAgent, i))
	r.recipient = in(c.Str(cloudtrail.ColRecipientAccountID, i))
	r.console = r.invokedBy == signinService || c.Bool(cloudtrail.ColSessionCredentialFromConsole, i)
	switch r.eventName {
	case "AssumeRoot":
		r.targetAccount = in(c.Str(cloudtrail.ColReqTargetPrincipal, i))
	case "GetFederationToken":
		if r.sessionName == "" {
			r.sessionName = in(c.Str(cloudtrail.ColReqName, i))
		}
	}
	st.issue = r
}

// lessIssue orders issuing records for one key: earliest first, then the
// copy that names its caller by ARN (the caller's account logs the full
// identity; another account's copy may say only AWSAccount and a principal
// ID), then by event ID. The least is the one kept, whatever the record
// order.
func lessIssue(a, b *issueRec) bool {
	if a.time != b.time {
		return a.time < b.time
	}
	if (a.issuerARN == "") != (b.issuerARN == "") {
		return a.issuerARN != ""
	}
	return a.eventID < b.eventID
}

// Events is Add under the name of ingest.EventSink, so that a Builder can
// be the sink of an ingest Run (or one of several sinks fed in turn).
func (b *Builder) Events(rec arrow.Record) error { return b.Add(rec) }
