package sessions

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Result is the attribution of every temporary key seen.
type Result struct {
	Sessions     []Session // sorted by AccessKeyID
	Unattributed Unattributed

	keys  map[string]*keyState
	index map[string]int // AccessKeyID -> index in Sessions
}

// resolution is where a key's chain starts.
type resolution struct {
	kind      RootKind
	principal string
	rootKey   string
	depth     int    // 0 when unattributed
	reason    string // why unattributed
	note      string
}

type finisher struct {
	keys       map[string]*keyState
	principals map[string]string
	memo       map[string]*resolution
	console    map[consoleGroup]bool
}

// consoleGroup identifies one sign-in: the console hands out several
// temporary keys per sign-in, all with the same principal and session
// creation time.
type consoleGroup struct {
	arn     string
	created int64
}

// Finish resolves every chain and returns the result. Call it once, after
// the last Add or Facts; the Builder must not be used afterwards. It
// first replays the buffered issuing records in a canonical order.
func (b *Builder) Finish() *Result {
	b.replayIssues()
	f := &finisher{keys: b.keys, principals: b.principals, memo: make(map[string]*resolution, len(b.keys)), console: make(map[consoleGroup]bool)}
	for _, st := range b.keys {
		if st.issue == nil && st.consoleMark && st.usedCreated != 0 && isUserOrRoot(st.usedType) {
			f.console[consoleGroup{st.usedARN, st.usedCreated}] = true
		}
	}
	ids := make([]string, 0, len(b.keys))
	for k := range b.keys {
		ids = append(ids, k)
	}
	slices.Sort(ids)

	res := &Result{Sessions: make([]Session, 0, len(ids)), keys: b.keys, index: make(map[string]int, len(ids))}
	reasons := map[string]int{}
	for _, k := range ids {
		st := b.keys[k]
		rs := f.resolve(k)
		s := f.session(k, st, rs, b.recipients)
		if s.RootKind == KindUnattributed {
			res.Unattributed.Count++
			reasons[rs.reason]++
		}
		res.index[k] = len(res.Sessions)
		res.Sessions = append(res.Sessions, s)
	}
	res.Unattributed.Total = len(res.Sessions)
	for r, n := range reasons {
		res.Unattributed.Reasons = append(res.Unattributed.Reasons, ReasonCount{r, n})
	}
	slices.SortFunc(res.Unattributed.Reasons, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	return res
}

func isUserOrRoot(typ string) bool { return typ == "IAMUser" || typ == "Root" }

// parentOf returns the temporary key that signed k's issuing record, or "".
func parentOf(keys map[string]*keyState, k string) string {
	if st := keys[k]; st != nil && st.issue != nil && isTemporary(st.issue.issuerKey) {
		return st.issue.issuerKey
	}
	return ""
}

// resolve walks k's chain up to a memoized key, a key with no temporary
// parent, or a cycle, then memoizes every key on the way back. It is
// iterative, so chain length is bounded by memory only, and each key is
// walked once over all calls.
func (f *finisher) resolve(k string) *resolution {
	if r := f.memo[k]; r != nil {
		return r
	}
	var path []string
	onPath := map[string]int{}
	cur := k
	var base *resolution
	for {
		if r := f.memo[cur]; r != nil {
			base = r
			break
		}
		if at, ok := onPath[cur]; ok {
			cyc := path[at:]
			// Name the cycle from its smallest key, so that the note does
			// not depend on where the walk entered it.
			m := slices.Index(cyc, slices.Min(cyc))
			ring := append(slices.Clone(cyc[m:]), cyc[:m]...)
			note := "issuance cycle: " + strings.Join(append(ring, ring[0]), " -> ")
			for _, c := range cyc {
				f.memo[c] = &resolution{kind: KindUnattributed, reason: ReasonCycle, note: note}
			}
			path = path[:at]
			base = f.memo[cur]
			break
		}
		onPath[cur] = len(path)
		path = append(path, cur)
		p := parentOf(f.keys, cur)
		if p == "" {
			base = f.base(cur)
			f.memo[cur] = base
			path = path[:len(path)-1]
			break
		}
		cur = p
	}
	for j := len(path) - 1; j >= 0; j-- {
		base = derive(base, parentOf(f.keys, path[j]))
		f.memo[path[j]] = base
	}
	return f.memo[k]
}

// derive is the resolution of a key issued by a temporary key whose
// resolution is parent.
func derive(parent *resolution, parentKey string) *resolution {
	if parent.kind == KindUnattributed {
		return &resolution{kind: KindUnattributed, reason: ReasonParent,
			note: "issuing key " + parentKey + " is unattributed (" + parent.reason + ")"}
	}
	return &resolution{kind: parent.kind, principal: parent.principal, rootKey: parent.rootKey, depth: parent.depth + 1}
}

// base resolves a key whose issuer is not a temporary key.
func (f *finisher) base(k string) *resolution {
	st := f.keys[k]
	if st == nil {
		return &resolution{kind: KindUnattributed, reason: ReasonNoIssuer}
	}
	r := st.issue
	if r == nil {
		if !isUserOrRoot(st.usedType) {
			return &resolution{kind: KindUnattributed, reason: ReasonNoIssuer}
		}
		if st.consoleMark || st.usedCreated != 0 && f.console[consoleGroup{st.usedARN, st.usedCreated}] {
			rs := &resolution{kind: KindConsole, principal: principalARN(st.usedType, st.usedARN, st.usedAccount), depth: 1}
			if !st.consoleMark {
				rs.note = "console sign-in inferred from another key of the same session"
			}
			return rs
		}
		if !st.direct {
			return &resolution{kind: KindUnattributed, reason: ReasonForwarded}
		}
		return &resolution{kind: KindUnattributed, reason: ReasonUserNoConsole}
	}
	rs := &resolution{depth: 1}
	switch {
	case r.eventName == "AssumeRoleWithSAML":
		rs.kind, rs.principal = KindSAML, "saml:"+samlProvider(r.principalARN)+":"+r.subject
	case r.eventName == "AssumeRoleWithWebIdentity":
		rs.kind, rs.principal = KindWebIdentity, "web:"+r.provider+":"+r.webSubject
	case r.console():
		rs.kind, rs.principal = KindConsole, principalARN(r.issuerType, r.issuerARN, r.issuerAccount)
		if r.eventName != "" {
			rs.note = r.eventName + " by a console sign-in"
		}
	case r.issuerKey != "":
		rs.rootKey = r.issuerKey
		typ, arn := f.namePrincipal(r)
		switch {
		case typ == "Root":
			rs.kind, rs.principal = KindRoot, principalARN(typ, arn, r.issuerAccount)
		case arn == "":
			rs.kind = KindIAMUser
			rs.note = "issuer of long-term key not named (identity type " + orDash(r.issuerType) +
				", principal ID " + orDash(clip(r.principalID)) + ", account " + orDash(r.issuerAccount) + ")"
		default:
			rs.kind, rs.principal = KindIAMUser, arn
			if typ != "IAMUser" {
				rs.note = "long-term issuer key with identity type " + orDash(typ)
			}
		}
	case r.issuerType == "AWSService" || r.invokedBy != "":
		rs.kind, rs.principal = KindAWSService, cmp.Or(r.invokedBy, r.sourceIP)
	case r.issuerType == "Root":
		rs.kind, rs.principal = KindRoot, principalARN(r.issuerType, r.issuerARN, r.issuerAccount)
		rs.note = "issuer access key not logged"
	case r.issuerType == "IAMUser" && r.issuerARN != "":
		rs.kind, rs.principal = KindIAMUser, r.issuerARN
		rs.note = "issuer access key not logged"
	default:
		return &resolution{kind: KindUnattributed, reason: ReasonUnknownIssuer}
	}
	return rs
}

// namePrincipal returns the identity type and ARN of an issuing record's
// caller. A copy logged in another account may name the caller only by
// principal ID (type AWSAccount): the ID is then looked up among the
// identities seen in the input; an ID equal to the account is its root.
func (f *finisher) namePrincipal(r *issueRec) (typ, arn string) {
	typ, arn = r.issuerType, r.issuerARN
	if arn != "" || r.principalID == "" {
		return typ, arn
	}
	if a, ok := f.principals[r.principalID]; ok {
		if strings.HasSuffix(a, ":root") {
			return "Root", a
		}
		return "IAMUser", a
	}
	if r.principalID == r.issuerAccount {
		return "Root", ""
	}
	return typ, ""
}

// principalARN is the ARN naming a principal; the root user's is built
// from the account when the record omits it.
func principalARN(typ, arn, account string) string {
	if typ == "Root" && account != "" && (arn == "" || !strings.HasSuffix(arn, ":root")) {
		return "arn:aws:iam::" + account + ":root"
	}
	return arn
}

// samlProvider is the provider name in arn:aws:iam::<acct>:saml-provider/<name>.
func samlProvider(arn string) string {
	if _, name, ok := strings.Cut(arn, ":saml-provider/"); ok {
		return name
	}
	return arn
}

// arnAccount is the account field of an ARN, "" when there is none.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// assumedSession is the session name of arn:aws:sts::<acct>:assumed-role/<role>/<session>.
func assumedSession(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":assumed-role/"); ok {
		if _, s, ok := strings.Cut(rest, "/"); ok {
			return s
		}
	}
	return ""
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func (f *finisher) session(k string, st *keyState, rs *resolution, recipients map[string]struct{}) Session {
	s := Session{
		AccessKeyID:     k,
		RootKind:        rs.kind,
		RootPrincipal:   rs.principal,
		RootAccessKeyID: rs.rootKey,
		ChainDepth:      rs.depth,
		UsedByARN:       st.usedARN,
	}
	var notes []string
	switch {
	case rs.note != "":
		notes = append(notes, rs.note)
	case rs.kind == KindUnattributed:
		notes = append(notes, rs.reason)
	}
	if st.used {
		s.FirstSeen, s.LastSeen = msTime(st.first), msTime(st.last)
		s.EventCount = st.home
		if _, logged := recipients[st.usedAccount]; !logged {
			s.EventCount += st.away
		}
	}
	if r := st.issue; r != nil {
		s.IssuedBy = r.eventName
		s.IssuedAt = msTime(r.time)
		s.IssuerAccessKeyID = r.issuerKey
		s.RoleARN = r.roleARN
		s.SessionName = cmp.Or(r.session(), assumedSession(r.assumedRoleARN))
		s.SourceIdentity = cmp.Or(r.sourceID, st.usedSourceIdentity)
		switch r.eventName {
		case "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity":
			s.AccountID = cmp.Or(arnAccount(r.roleARN), arnAccount(r.assumedRoleARN))
		case "AssumeRoot":
			s.AccountID = r.targetPrincipal
		case "GetSessionToken", "GetFederationToken":
			s.AccountID = r.issuerAccount
		}
		s.AccountID = cmp.Or(s.AccountID, st.usedAccount, r.recipient)
		if st.conflict {
			notes = append(notes, "conflicting issuing records; kept the earliest (event "+clip(r.eventID)+")")
		}
	} else {
		s.AccountID = st.usedAccount
		s.RoleARN = st.usedRole
		s.SessionName = assumedSession(st.usedARN)
		s.SourceIdentity = st.usedSourceIdentity
	}
	s.Note = strings.Join(notes, "; ")
	return s
}

// clip shortens a value quoted from the input.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// Chain returns the hops from key back to its root principal: one hop per
// temporary key (the key itself first, then the key that issued it, ...),
// each with its issuing record's details, then a last hop naming the root
// principal. It returns nil for a key not in the result. A cycle ends the
// walk at the first repeated key.
func (r *Result) Chain(key string) []Hop {
	i, ok := r.index[key]
	if !ok {
		return nil
	}
	var hops []Hop
	seen := map[string]bool{}
	for cur := key; cur != "" && !seen[cur]; cur = parentOf(r.keys, cur) {
		seen[cur] = true
		h := Hop{AccessKeyID: cur}
		if st := r.keys[cur]; st != nil && st.issue != nil {
			is := st.issue
			h.EventName, h.Time = is.eventName, msTime(is.time)
			h.RoleARN, h.SessionName = is.roleARN, cmp.Or(is.session(), assumedSession(is.assumedRoleARN))
			h.SourceIP, h.UserAgent = is.sourceIP, is.userAgent
		}
		hops = append(hops, h)
	}
	s := r.Sessions[i]
	return append(hops, Hop{AccessKeyID: s.RootAccessKeyID, RootKind: s.RootKind, Principal: s.RootPrincipal})
}

// Session returns the attribution of key and whether it was seen.
func (r *Result) Session(key string) (Session, bool) {
	i, ok := r.index[key]
	if !ok {
		return Session{}, false
	}
	return r.Sessions[i], true
}
