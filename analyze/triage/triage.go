package triage

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/keyid"
	"github.com/keyaudit/keyaudit/analyze/sessions"
)

// Verdict is what to do about a leaked key.
type Verdict string

// Verdicts, most urgent first (Rank orders them for --fail-on):
//
//   - rotate-now: the key's account is one of the inputs' and the key is
//     active (a long-term key Active, a temporary key not yet expired).
//   - check-use: the account is ours, the key is inactive, deleted or
//     expired, but it was used after the leak (or the leak date or the
//     logs are missing, so that cannot be ruled out): find what was done.
//   - unknown: the account or the key cannot be placed: a legacy or
//     redacted ID, no inputs, or a key of our account the inputs never
//     name.
//   - contained: ours, inactive, deleted or expired, and not used after the
//     leak: clean up (delete an inactive key) and find how it leaked.
//   - not-ours: the key ID decodes to an account outside the inputs.
const (
	RotateNow Verdict = "rotate-now"
	CheckUse  Verdict = "check-use"
	Unknown   Verdict = "unknown"
	Contained Verdict = "contained"
	NotOurs   Verdict = "not-ours"
)

// Verdicts returns every verdict, most urgent first.
func Verdicts() []Verdict { return []Verdict{RotateNow, CheckUse, Unknown, Contained, NotOurs} }

// Rank orders verdicts: higher is more urgent; -1 for an unknown name.
func (v Verdict) Rank() int {
	vs := Verdicts()
	if i := slices.Index(vs, v); i >= 0 {
		return len(vs) - 1 - i
	}
	return -1
}

// ParseVerdict parses a verdict name.
func ParseVerdict(s string) (Verdict, error) {
	if v := Verdict(strings.ToLower(s)); v.Rank() >= 0 {
		return v, nil
	}
	names := make([]string, 0, 5)
	for _, v := range Verdicts() {
		names = append(names, string(v))
	}
	return "", fmt.Errorf("unknown verdict %q (want one of %s)", s, strings.Join(names, ", "))
}

// Ours values.
const (
	OursYes     = "yes"
	OursNo      = "no"
	OursUnknown = "unknown"
)

// Account notes (Row.AccountNote) when no account is decoded.
const (
	NoteLegacy  = "unknown-legacy"
	NotePartial = "unknown-partial"
)

// Statuses of a temporary key; long-term keys have inventory's.
const (
	StatusActive  = "Active"
	StatusExpired = "Expired"
)

// MaxSessionLife bounds a temporary key's life when its issue is not in
// the logs: STS issues none for longer than 36 hours (GetSessionToken and
// GetFederationToken; AssumeRole at most 12), so a key first used more
// than this before the as-of time has expired.
const MaxSessionLife = 36 * time.Hour

// Input is what Triage joins the leaks with. Inventory, Sessions and
// Activity are nil when no PATH was read; Activity must have been made
// for the leaked key IDs (LeakedKeyIDs), with Since set to each key's
// leak date (Leaked).
type Input struct {
	AsOf      time.Time
	Inventory *inventory.Inventory
	Sessions  *sessions.Result
	Activity  *inventory.Activity
}

// Row is one leaked key ID with everything known of it. Zero times and
// empty strings are nulls in Record.
type Row struct {
	AccessKeyID string
	Partial     bool   // AccessKeyID is the visible start of a redacted ID
	KeyType     string // keyid kind name: access-key, temporary-access-key, …
	AccountID   string // decoded offline, else from the logs; "" when unknown
	AccountNote string // why AccountID is empty, or where it comes from
	Ours        string // OursYes, OursNo, OursUnknown

	Owner   string // IAM user (<root_account> for root), or the role session ARN
	ARN     string // the user's ARN, or the role's
	KnownBy string // inventory source and slot rule, or "cloudtrail (sessions)"
	Status  string // Active, Inactive, Deleted, Expired, unknown

	Created     time.Time // created (AKIA) or issued (ASIA)
	LastUsed    time.Time
	LastService string
	LastRegion  string
	FirstSeen   time.Time // first and last use in CloudTrail
	LastSeen    time.Time
	Calls       int64

	RootKind        string // ASIA: the kind of principal behind the chain
	RootPrincipal   string
	RootAccessKeyID string    // ASIA: the long-term key at the start of the chain
	Expires         time.Time // ASIA: from the issuing record
	Expired         *bool     // ASIA: as of AsOf; nil when unknown

	CallerIdentityCalls int64 // sts:GetCallerIdentity calls signed with the key
	LastCallerIdentity  time.Time
	ScannerVerified     bool // a scanner says it checked the key works

	LeakedAt          time.Time // earliest commit date of its locations; zero when none says
	CallsAfterLeak    *int64    // nil when unknown (no date or no logs)
	FirstUseAfterLeak time.Time

	Locations []string // file:line@commit, sorted, distinct
	Scanners  []string // sorted, distinct
	Leaks     []Leak   // every finding of the key, by file, line, commit (not in Record)

	Verdict  Verdict
	NextStep string
	Note     string
}

// group is the leaks of one key ID.
type group struct {
	id      string
	partial bool
	leaks   []Leak
}

func groups(reports []*Report) []*group {
	by := map[string]*group{}
	var out []*group
	for _, r := range reports {
		for _, l := range r.Leaks {
			g := by[l.KeyID]
			if g == nil {
				g = &group{id: l.KeyID, partial: l.Partial}
				by[l.KeyID] = g
				out = append(out, g)
			}
			g.leaks = append(g.leaks, l)
		}
	}
	return out
}

// LeakedKeyIDs returns the distinct whole key IDs of the reports, sorted:
// the keys to give inventory.NewActivity.
func LeakedKeyIDs(reports []*Report) []string {
	var ids []string
	for _, g := range groups(reports) {
		if !g.partial {
			ids = append(ids, g.id)
		}
	}
	slices.Sort(ids)
	return ids
}

// Leaked returns each whole key ID's earliest leak date (keys with no
// date are absent): the times to give Activity.Since.
func Leaked(reports []*Report) map[string]time.Time {
	out := map[string]time.Time{}
	for _, g := range groups(reports) {
		if t := earliest(g.leaks); !g.partial && !t.IsZero() {
			out[g.id] = t
		}
	}
	return out
}

func earliest(ls []Leak) time.Time {
	var t time.Time
	for _, l := range ls {
		if !l.Date.IsZero() && (t.IsZero() || l.Date.Before(t)) {
			t = l.Date
		}
	}
	return t
}

// Triage returns one Row per leaked key ID of reports, most urgent verdict
// first, then by key ID.
func Triage(in Input, reports []*Report) []Row {
	accounts := map[string]bool{}
	if in.Inventory != nil {
		for _, a := range in.Inventory.Accounts {
			accounts[a] = true
		}
	}
	var rows []Row
	for _, g := range groups(reports) {
		rows = append(rows, in.row(g, accounts))
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(b.Verdict.Rank(), a.Verdict.Rank()), strings.Compare(a.AccessKeyID, b.AccessKeyID))
	})
	return rows
}

func (in Input) row(g *group, accounts map[string]bool) Row {
	r := Row{AccessKeyID: g.id, Partial: g.partial, LeakedAt: earliest(g.leaks)}
	var notes []string
	hints := map[string]bool{}
	for _, l := range g.leaks {
		if loc := l.Location(); loc != "" && !slices.Contains(r.Locations, loc) {
			r.Locations = append(r.Locations, loc)
		}
		if !slices.Contains(r.Scanners, l.Scanner) {
			r.Scanners = append(r.Scanners, l.Scanner)
		}
		r.ScannerVerified = r.ScannerVerified || l.Verified
		if l.AccountHint != "" {
			hints[l.AccountHint] = true
		}
	}
	slices.Sort(r.Locations)
	slices.Sort(r.Scanners)
	r.Leaks = slices.Clone(g.leaks)
	slices.SortStableFunc(r.Leaks, func(a, b Leak) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), strings.Compare(a.Commit, b.Commit), strings.Compare(a.Scanner, b.Scanner))
	})

	// The account, offline.
	var info keyid.Info
	var err error
	if g.partial {
		info, err = keyid.DecodePartial(g.id)
	} else {
		info, err = keyid.Lookup(g.id)
	}
	switch {
	case err != nil:
		r.AccountNote = strings.TrimPrefix(err.Error(), keyid.ErrInvalid.Error()+": ")
	case info.Account != "":
		r.KeyType, r.AccountID = info.Name, info.Account
	case info.Generation == keyid.Legacy:
		r.KeyType, r.AccountNote = info.Name, NoteLegacy
	case g.partial:
		r.KeyType, r.AccountNote = info.Name, fmt.Sprintf("%s (%d characters of the ID remain, %d decode the account)", NotePartial, len(g.id), keyid.PartialMinLen)
	default:
		r.KeyType, r.AccountNote = info.Name, info.NoAccountReason
	}

	// What the logs and reports know.
	known := false
	logs := in.Inventory != nil && in.Inventory.Events > 0
	if k, ok := in.Inventory.Key(g.id); ok {
		known = true
		r.Owner, r.ARN, r.Status = k.User, k.ARN, k.Status
		r.KnownBy = k.Source
		if k.Slot != 0 {
			r.KnownBy += fmt.Sprintf(" (slot %d by %s)", k.Slot, k.ResolvedBy)
		}
		r.Created, r.LastUsed, r.FirstSeen, r.LastSeen, r.Calls = k.Created, k.LastUsed, k.FirstSeen, k.LastSeen, k.EventCount
		if r.AccountID == "" && k.AccountID != "" {
			r.AccountID, r.AccountNote = k.AccountID, r.AccountNote+"; account from the logs"
		}
	}
	isTemp := strings.HasPrefix(g.id, "ASIA")
	if in.Sessions != nil && isTemp && !g.partial {
		if s, ok := in.Sessions.Session(g.id); ok {
			known = true
			r.Owner, r.ARN = cmp.Or(s.UsedByARN, s.RoleARN, s.RootPrincipal), s.RoleARN
			r.KnownBy = "cloudtrail (sessions)"
			r.Created, r.FirstSeen, r.LastSeen, r.LastUsed, r.Calls = s.IssuedAt, s.FirstSeen, s.LastSeen, s.LastSeen, s.EventCount
			r.RootKind, r.RootPrincipal, r.RootAccessKeyID = string(s.RootKind), s.RootPrincipal, s.RootAccessKeyID
			if r.AccountID == "" && s.AccountID != "" {
				r.AccountID, r.AccountNote = s.AccountID, r.AccountNote+"; account from the logs"
			}
		}
	}
	if in.Activity != nil && !g.partial {
		if a := in.Activity.Result(g.id); a != nil {
			r.LastService, r.LastRegion = a.LastService, a.LastRegion
			r.CallerIdentityCalls, r.LastCallerIdentity = a.CallerIdentity.Calls, a.CallerIdentity.Last
			for _, l := range a.Lifecycle {
				if !l.Expires.IsZero() && l.ErrorCode == "" && l.Expires.After(r.Expires) {
					r.Expires = l.Expires
				}
			}
			if logs && !r.LeakedAt.IsZero() && a.Since.Equal(r.LeakedAt) {
				n := a.AfterSince.Calls
				r.CallsAfterLeak, r.FirstUseAfterLeak = &n, a.AfterSince.First
			}
			if r.Calls == 0 {
				r.Calls = a.Calls
			}
		}
	}

	// Whose.
	switch {
	case in.Inventory == nil || r.AccountID == "":
		r.Ours = OursUnknown
	case accounts[r.AccountID]:
		r.Ours = OursYes
	default:
		r.Ours = OursNo
	}
	for h := range hints {
		if r.AccountID != "" && h != r.AccountID {
			notes = append(notes, fmt.Sprintf("the scanner says account %s; the key ID decodes to %s, which is used", h, r.AccountID))
		}
	}

	// Temporary keys: expired?
	if isTemp && !g.partial {
		var exp bool
		switch start := minTime(r.Created, r.FirstSeen); {
		case !r.Expires.IsZero():
			exp = !r.Expires.After(in.AsOf)
			r.Expired = &exp
		case !start.IsZero() && !start.Add(MaxSessionLife).After(in.AsOf):
			exp = true
			r.Expired = &exp
			notes = append(notes, "no issuing record with an expiry: expired because STS issues no credentials for more than 36 hours")
		}
		if r.Expired != nil {
			r.Status = StatusActive
			if *r.Expired {
				r.Status = StatusExpired
			}
		}
	}
	if r.Status == "" {
		r.Status = inventory.StatusUnknown
	}
	if !known && g.partial && in.Inventory != nil {
		var cands []string
		for _, k := range in.Inventory.Keys {
			if strings.HasPrefix(k.AccessKeyID, g.id) {
				cands = append(cands, k.AccessKeyID)
			}
		}
		if len(cands) > 0 {
			notes = append(notes, "known keys starting so: "+strings.Join(cands, ", "))
		}
	}
	if r.CallerIdentityCalls > 0 {
		notes = append(notes, fmt.Sprintf("%d GetCallerIdentity %s, last %s: someone checked that the key works",
			r.CallerIdentityCalls, plural(r.CallerIdentityCalls, "call"), fmtTime(r.LastCallerIdentity)))
	}
	if r.ScannerVerified {
		notes = append(notes, "the scanner verified the key works (it called AWS with it)")
	}
	r.Verdict, r.NextStep = in.verdict(r, logs, known)
	r.Note = strings.Join(notes, "; ")
	return r
}

func (in Input) verdict(r Row, logs, known bool) (Verdict, string) {
	trace := "keyaudit trace " + r.AccessKeyID
	switch r.Ours {
	case OursNo:
		s := fmt.Sprintf("not an account of the inputs (%s): tell its owner; if it is one of yours, add its credential report and trail", r.AccountID)
		if r.Calls > 0 {
			s += fmt.Sprintf("; it made %d %s into your accounts: review what it can reach (resource policies and role trusts naming %s; %s)",
				r.Calls, plural(r.Calls, "call"), r.AccountID, trace)
		}
		return NotOurs, s
	case OursUnknown:
		switch {
		case r.AccountNote == NoteLegacy:
			return Unknown, "legacy key ID, its account cannot be decoded: run 'aws sts get-access-key-info --access-key-id " + r.AccessKeyID + "' (from any account), then triage again with that account's inputs"
		case r.Partial:
			return Unknown, "redacted key ID: rerun the scanner with less redaction (gitleaks --redact=30 keeps 14 characters, enough for the account), or without it"
		case in.Inventory == nil:
			return Unknown, "no inputs: give the credential reports and CloudTrail of your accounts as PATHs to learn whether the key is yours"
		}
		return Unknown, "the account cannot be decoded (" + r.AccountNote + ")"
	}
	if r.Partial || !known {
		if r.Partial {
			return Unknown, fmt.Sprintf("the account (%s) is yours but the key ID is redacted: find the key among the account's keys starting %s, or rerun the scanner without --redact", r.AccountID, r.AccessKeyID)
		}
		return Unknown, fmt.Sprintf("the account (%s) is yours but the inputs never name this key: look it up ('aws iam get-access-key-last-used --access-key-id %s' in %s names its user) and if it exists, rotate it", r.AccountID, r.AccessKeyID, r.AccountID)
	}
	temp := strings.HasPrefix(r.AccessKeyID, "ASIA")
	if !temp && r.Status != inventory.StatusActive && r.Status != inventory.StatusInactive && r.Status != inventory.StatusDeleted {
		return Unknown, fmt.Sprintf("the account (%s) is yours but the key's status is not known (%s): check it ('aws iam get-access-key-last-used --access-key-id %s') and rotate it if it exists", r.AccountID, r.KnownBy, r.AccessKeyID)
	}
	active := r.Status == inventory.StatusActive
	if temp && r.Expired == nil {
		active = true // not known to have expired: treat as live
	}
	if active {
		if temp {
			return RotateNow, "revoke the sessions: " + revokeStep(r) + "; then " + issuerStep(r)
		}
		if r.Owner == inventory.RootUser {
			return RotateNow, "delete the root user's access key (root should have none): sign in as root, Security credentials, deactivate then delete it; use IAM users or roles instead; review its calls (" + trace + ")"
		}
		return RotateNow, fmt.Sprintf("rotate: create a new key for %s, move the applications to it, deactivate %s ('aws iam update-access-key --user-name %s --access-key-id %s --status Inactive'), check nothing breaks, then delete it; review its calls since the leak (%s)",
			r.Owner, r.AccessKeyID, r.Owner, r.AccessKeyID, trace)
	}
	used := "unknown"
	switch {
	case r.CallsAfterLeak != nil && *r.CallsAfterLeak > 0:
		used = fmt.Sprintf("used %d %s after the leak, first %s", *r.CallsAfterLeak, plural(*r.CallsAfterLeak, "time"), fmtTime(r.FirstUseAfterLeak))
	case r.CallsAfterLeak != nil:
		used = ""
	case !logs:
		used = "no CloudTrail was given, so use after the leak cannot be ruled out"
	case r.LeakedAt.IsZero() && r.Calls > 0:
		used = fmt.Sprintf("the report gives no leak date and the key made %d %s in the logs", r.Calls, plural(r.Calls, "call"))
	case r.LeakedAt.IsZero():
		used = ""
	}
	state := strings.ToLower(r.Status)
	if used != "" {
		s := fmt.Sprintf("%s, but %s: review those calls for what was done (%s)", state, used, trace)
		if temp {
			s += "; " + issuerStep(r)
		} else if r.Status == inventory.StatusInactive {
			s += "; then delete the key"
		}
		return CheckUse, s
	}
	switch {
	case temp:
		return Contained, "expired and not used after the leak: nothing to revoke; " + issuerStep(r)
	case r.Status == inventory.StatusInactive:
		return Contained, fmt.Sprintf("inactive and not used after the leak: delete it ('aws iam delete-access-key --user-name %s --access-key-id %s')", r.Owner, r.AccessKeyID)
	}
	return Contained, "deleted and not used after the leak: nothing to rotate; find how it leaked"
}

func revokeStep(r Row) string {
	if r.ARN != "" && strings.Contains(r.ARN, ":role/") {
		return "IAM console, role " + r.ARN + ", Revoke active sessions (denies every session issued before now)"
	}
	return "the key's role is not known: find it with keyaudit trace " + r.AccessKeyID + ", then revoke its active sessions (IAM console, the role, Revoke active sessions)"
}

func issuerStep(r Row) string {
	switch {
	case r.RootKind == "" || r.RootKind == string(sessions.KindUnattributed):
		return "find the issuer: the logs do not say who is behind the key (keyaudit trace " + r.AccessKeyID + " with more CloudTrail)"
	case r.RootAccessKeyID != "":
		return fmt.Sprintf("the issuer is %s %s with key %s: rotate that key too if it may have leaked with this one", r.RootKind, r.RootPrincipal, r.RootAccessKeyID)
	}
	return fmt.Sprintf("the issuer is %s %s: check how its session leaked", r.RootKind, r.RootPrincipal)
}

func minTime(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func plural(n int64, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
