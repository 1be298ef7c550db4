package sessions

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyaudit/keyaudit/facts"
)

// issueRow is one buffered sts_issue row: its string columns by facts
// column index (the issued key in s[facts.SIIssuedKeyID]), its time and
// its console flag. issued_expiration is not kept: nothing here reads it,
// so two rows that differ only there give the same result whichever is
// chosen.
type issueRow struct {
	s           [facts.SIWebSubject + 1]string
	time        int64
	fromConsole bool
}

// unique are the sts_issue columns that differ per event: cloned, not
// interned, so that the intern table does not grow with events.
func unique(c int) bool {
	return c == facts.SIEventID || c == facts.SISharedEventID || c == facts.SIRequestID
}

// bufferIssue keeps one sts_issue row for Finish. The row must be a
// successful issuance of a temporary key (the producer's filter); a row
// issuing anything else is skipped.
func (b *Builder) bufferIssue(v *facts.View, i int) {
	key := v.Str(facts.SIIssuedKeyID, i)
	if !isTemporary(key) {
		return
	}
	b.state(key)
	b.issues = append(b.issues, issueRow{time: v.Int(facts.SIEventTime, i), fromConsole: v.Bool(facts.SIFromConsole, i)})
	r := &b.issues[len(b.issues)-1]
	for c, col := range facts.Columns(facts.STSIssue) {
		if col.Kind != facts.Str || c >= len(r.s) {
			continue
		}
		if s := v.Str(c, i); unique(c) {
			r.s[c] = strings.Clone(s)
		} else {
			r.s[c] = b.intern(s)
		}
	}
}

// compareIssue orders the issuing records of one key: earliest first, then
// the copy that names its caller by ARN (the caller's account logs the
// full identity; another account's copy may say only AWSAccount and a
// principal ID), then by event ID; rows still tied are ordered by every
// other column, so that the least is one row whatever the arrival order.
func compareIssue(a, b *issueRow) int {
	if c := cmp.Compare(a.time, b.time); c != 0 {
		return c
	}
	if ha, hb := a.s[facts.SIARN] != "", b.s[facts.SIARN] != ""; ha != hb {
		if ha {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.s[facts.SIEventID], b.s[facts.SIEventID]); c != 0 {
		return c
	}
	for c := range a.s {
		if r := strings.Compare(a.s[c], b.s[c]); r != 0 {
			return r
		}
	}
	switch {
	case a.fromConsole == b.fromConsole:
		return 0
	case !a.fromConsole:
		return -1
	}
	return 1
}

// copyOf reports whether r is a copy of the same call as kept: a
// cross-account copy (same sharedEventID) or the same request.
func copyOf(r, kept *issueRow) bool {
	sh, rq := r.s[facts.SISharedEventID], r.s[facts.SIRequestID]
	return sh != "" && sh == kept.s[facts.SISharedEventID] || rq != "" && rq == kept.s[facts.SIRequestID]
}

// replayIssues chooses each key's issuing record: the least of its rows
// under compareIssue. The key has a conflict when some other row is not a
// copy of the chosen one. "Copy of" is not transitive (A and B may share
// a sharedEventID, B and C a requestID), so folding rows as they come
// would depend on their order; sorting first does not.
func (b *Builder) replayIssues() {
	rows := b.issues
	b.issues = nil
	idx := make([]int32, len(rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(x, y int32) int {
		p, q := &rows[x], &rows[y]
		return cmp.Or(strings.Compare(p.s[facts.SIIssuedKeyID], q.s[facts.SIIssuedKeyID]), compareIssue(p, q))
	})
	for start := 0; start < len(idx); {
		kept := &rows[idx[start]]
		key := kept.s[facts.SIIssuedKeyID]
		st := b.keys[key]
		st.issue = kept.rec()
		end := start + 1
		for ; end < len(idx) && rows[idx[end]].s[facts.SIIssuedKeyID] == key; end++ {
			if !copyOf(&rows[idx[end]], kept) {
				st.conflict = true
			}
		}
		start = end
	}
}

// rec is what Finish and Chain read of a chosen row.
func (r *issueRow) rec() *issueRec {
	s := &r.s
	out := &issueRec{
		time:           r.time,
		eventID:        s[facts.SIEventID],
		shared:         s[facts.SISharedEventID],
		requestID:      s[facts.SIRequestID],
		eventName:      s[facts.SIEventName],
		issuerKey:      s[facts.SIAccessKeyID],
		issuerType:     s[facts.SIType],
		issuerARN:      s[facts.SIARN],
		issuerAccount:  s[facts.SIAccountID],
		principalID:    s[facts.SIPrincipalID],
		invokedBy:      s[facts.SIInvokedBy],
		roleARN:        s[facts.SIRoleARN],
		assumedRoleARN: s[facts.SIAssumedRoleARN],
		sessionName:    s[facts.SIRoleSessionName],
		sourceID:       s[facts.SISourceIdentity],
		principalARN:   s[facts.SIPrincipalARN],
		subject:        s[facts.SISubject],
		provider:       s[facts.SIProvider],
		webSubject:     s[facts.SIWebSubject],
		sourceIP:       s[facts.SISourceIP],
		userAgent:      s[facts.SIUserAgent],
		recipient:      s[facts.SIRecipient],
	}
	out.console = out.invokedBy == signinService || r.fromConsole
	switch out.eventName {
	case "AssumeRoot":
		out.targetAccount = s[facts.SITargetPrincipal]
	case "GetFederationToken":
		if out.sessionName == "" {
			out.sessionName = s[facts.SIName]
		}
	}
	return out
}
