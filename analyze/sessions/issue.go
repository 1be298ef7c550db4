package sessions

import (
	"cmp"
	"slices"
	"strings"
	"unsafe"

	"github.com/keyaudit/keyaudit/facts"
)

// issueRec is one sts_issue row, as buffered until Finish; the chosen one
// of each key is its issuing record. issued_expiration is not kept:
// nothing here reads it, so two rows that differ only there give the
// same result whichever is chosen.
type issueRec struct {
	issued                     string // the issued key
	time                       int64
	eventID, shared, requestID string
	eventName                  string
	recipient                  string
	sourceIP, userAgent        string
	issuerKey, issuerType      string
	issuerARN, issuerAccount   string
	principalID                string // userIdentity.principalId, to name AWSAccount issuers
	invokedBy                  string
	fromConsole                bool // sessionCredentialFromConsole
	assumedRoleARN, roleARN    string
	sessionName, sourceID      string // requestParameters.roleSessionName, .sourceIdentity
	principalARN               string // SAML provider ARN
	targetPrincipal            string // AssumeRoot: the target account
	name                       string // GetFederationToken: requestParameters.name
	subject                    string // SAML subject
	provider, webSubject       string // web identity
}

// console reports whether a console sign-in made the issuing call.
func (r *issueRec) console() bool { return r.invokedBy == signinService || r.fromConsole }

// session is the session name the call gave the issued key.
func (r *issueRec) session() string {
	if r.sessionName == "" && r.eventName == "GetFederationToken" {
		return r.name
	}
	return r.sessionName
}

// bufferIssue keeps one sts_issue row for Finish. The row must be a
// successful issuance of a temporary key (the producer's filter); a row
// issuing anything else is skipped. The event, shared event and request
// IDs are cloned, not interned, so that the intern table does not grow
// with events.
func (b *Builder) bufferIssue(v *facts.View, i int) {
	key := v.Str(facts.SIIssuedKeyID, i)
	if !isTemporary(key) {
		return
	}
	b.state(key)
	in := b.intern
	str := func(c int) string { return in(v.Str(c, i)) }
	if n := len(b.issues); n == 0 || len(b.issues[n-1]) == issueChunk {
		b.issues = append(b.issues, make([]issueRec, 0, issueChunk))
	}
	last := &b.issues[len(b.issues)-1]
	*last = append(*last, issueRec{
		issued:          in(key),
		time:            v.Int(facts.SIEventTime, i),
		eventID:         b.keepID(v.Str(facts.SIEventID, i)),
		shared:          b.keepID(v.Str(facts.SISharedEventID, i)),
		requestID:       b.keepID(v.Str(facts.SIRequestID, i)),
		eventName:       str(facts.SIEventName),
		recipient:       str(facts.SIRecipient),
		sourceIP:        str(facts.SISourceIP),
		userAgent:       str(facts.SIUserAgent),
		issuerKey:       str(facts.SIAccessKeyID),
		issuerType:      str(facts.SIType),
		issuerARN:       str(facts.SIARN),
		issuerAccount:   str(facts.SIAccountID),
		principalID:     str(facts.SIPrincipalID),
		invokedBy:       str(facts.SIInvokedBy),
		fromConsole:     v.Bool(facts.SIFromConsole, i),
		assumedRoleARN:  str(facts.SIAssumedRoleARN),
		roleARN:         str(facts.SIRoleARN),
		sessionName:     str(facts.SIRoleSessionName),
		sourceID:        str(facts.SISourceIdentity),
		principalARN:    str(facts.SIPrincipalARN),
		targetPrincipal: str(facts.SITargetPrincipal),
		name:            str(facts.SIName),
		subject:         str(facts.SISubject),
		provider:        str(facts.SIProvider),
		webSubject:      str(facts.SIWebSubject),
	})
}

// issueChunk is the number of sts_issue rows of one chunk of the buffer:
// chunks are never regrown (no copy of the rows buffered so far), and the
// rows stay where they are (keyState.issue points to its row).
const issueChunk = 1024

// idChunk is the size of the blocks keepID copies IDs into.
const idChunk = 64 << 10

// keepID returns a copy of s owned by the Builder, for the IDs of an
// sts_issue row: one per event, so they are not interned, and copied
// into shared blocks rather than allocated one by one. A block is only
// ever appended to, so the strings it holds never change.
func (b *Builder) keepID(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > cap(b.ids)-len(b.ids) {
		if len(s) > idChunk/4 {
			return strings.Clone(s)
		}
		b.ids = make([]byte, 0, idChunk)
	}
	start := len(b.ids)
	b.ids = append(b.ids, s...)
	return unsafe.String(&b.ids[start], len(s))
}

// compareIssue orders the issuing records of one key: earliest first, then
// the copy that names its caller by ARN (the caller's account logs the
// full identity; another account's copy may say only AWSAccount and a
// principal ID), then by event ID; records still tied are ordered by
// every other column kept, in sts_issue order, so that the least is one
// record whatever the arrival order.
func compareIssue(a, b *issueRec) int {
	if c := cmp.Compare(a.time, b.time); c != 0 {
		return c
	}
	if ha, hb := a.issuerARN != "", b.issuerARN != ""; ha != hb {
		if ha {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.eventID, b.eventID); c != 0 {
		return c
	}
	sc := strings.Compare
	return cmp.Or(
		sc(a.shared, b.shared), sc(a.requestID, b.requestID), sc(a.eventName, b.eventName),
		sc(a.recipient, b.recipient), sc(a.sourceIP, b.sourceIP), sc(a.userAgent, b.userAgent),
		sc(a.issuerKey, b.issuerKey), sc(a.issuerType, b.issuerType), sc(a.issuerARN, b.issuerARN),
		sc(a.issuerAccount, b.issuerAccount), sc(a.principalID, b.principalID), sc(a.invokedBy, b.invokedBy),
		compareBool(a.fromConsole, b.fromConsole),
		sc(a.assumedRoleARN, b.assumedRoleARN), sc(a.roleARN, b.roleARN), sc(a.sessionName, b.sessionName),
		sc(a.sourceID, b.sourceID), sc(a.principalARN, b.principalARN), sc(a.targetPrincipal, b.targetPrincipal),
		sc(a.name, b.name), sc(a.subject, b.subject), sc(a.provider, b.provider), sc(a.webSubject, b.webSubject),
	)
}

// compareBool orders false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// copyOf reports whether r is a copy of the same call as kept: a
// cross-account copy (same sharedEventID) or the same request.
func copyOf(r, kept *issueRec) bool {
	return r.shared != "" && r.shared == kept.shared || r.requestID != "" && r.requestID == kept.requestID
}

// replayIssues chooses each key's issuing record: the least of its rows
// under compareIssue. The key has a conflict when some other row is not a
// copy of the chosen one. "Copy of" is not transitive (A and B may share
// a sharedEventID, B and C a requestID), so folding rows as they come
// would depend on their order; sorting first does not. The chosen records
// stay where they were buffered (keyState.issue points into the buffer).
func (b *Builder) replayIssues() {
	var n int
	for _, c := range b.issues {
		n += len(c)
	}
	rows := make([]*issueRec, 0, n)
	for _, c := range b.issues {
		for i := range c {
			rows = append(rows, &c[i])
		}
	}
	b.issues, b.ids = nil, nil
	slices.SortFunc(rows, func(p, q *issueRec) int {
		return cmp.Or(strings.Compare(p.issued, q.issued), compareIssue(p, q))
	})
	for start := 0; start < len(rows); {
		kept := rows[start]
		st := b.keys[kept.issued]
		st.issue = kept
		end := start + 1
		for ; end < len(rows) && rows[end].issued == kept.issued; end++ {
			if !copyOf(rows[end], kept) {
				st.conflict = true
			}
		}
		start = end
	}
}
