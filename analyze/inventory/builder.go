package inventory

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/analyze/keyid"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// Options configure a Builder. The zero value is ready to use.
type Options struct {
	// TopN is how many source IPs and user agents are reported per key;
	// 0 means 10. Each key keeps 4×TopN candidates (Space-Saving), so
	// memory per key is bounded whatever the number of events.
	TopN int
}

func (o Options) topN() int {
	if o.TopN <= 0 {
		return 10
	}
	return o.TopN
}

// Builder consumes event records in one pass and keeps per-key aggregates
// only: its memory grows with the number of distinct keys (and, for
// rotation, with the number of days each key was used), never with the
// number of events. Add is called from one goroutine.
type Builder struct {
	opts Options
	keys map[string]*keyAgg // long-term (AKIA) keys used or managed in the logs

	// others holds keys of other kinds (ASIA, or AKIA under an identity
	// type other than IAMUser and Root) whose decoded account differs
	// from the caller's account: the only ones foreign-key can report.
	others map[string]*otherKey

	recipients map[string]bool // recipientAccountId values
	callers    map[string]bool // userIdentity.accountId values
	limits     map[userRef]*limitAgg
	events     int64
	fileKeys   map[string]bool // key IDs of credentials files
}

// userRef names an IAM user (or RootUser) of an account.
type userRef struct{ account, user string }

// keyAgg is everything kept about one long-term key.
type keyAgg struct {
	id      string
	decoded keyid.Info
	decErr  string

	account, user, arn evidence
	isRoot             bool

	uses             copies
	first, last      int64 // event times of uses, Unix ms; 0 = none
	lastRegion       string
	lastService      string
	callerAccounts   map[string]bool // accounts the key's callers named (normally one)
	days             map[int32]*dayCount
	ips, agents      *topN
	createDate       int64 // responseElements.accessKey.createDate; 0 unknown
	createdAt        int64 // CreateAccessKey eventTime
	createdBy        string
	deletedAt        int64
	deletedBy        string
	statusAt         int64 // last successful UpdateAccessKey
	status, statusBy string
}

// evidence is a value and the time of the earliest event that gave it; the
// earliest wins (ties: the smaller value), so the result does not depend on
// the order records arrive in.
type evidence struct {
	v  string
	at int64
}

// offerLatest is offer for values where the latest event wins (ties: the
// smaller value).
func (e *evidence) offerLatest(v string, at int64) {
	if v == "" {
		return
	}
	if e.v == "" || at > e.at || at == e.at && v < e.v {
		e.v, e.at = strings.Clone(v), at
	}
}

func (e *evidence) offer(v string, at int64) {
	if v == "" {
		return
	}
	if e.v == "" || at < e.at || at == e.at && v < e.v {
		e.v, e.at = strings.Clone(v), at
	}
}

// dayCount counts the uses of a key on one UTC day, with their time span,
// so that "calls since the new key was created" is exact except on the
// creation day itself when uses straddle it.
type dayCount struct {
	c        copies
	min, max int64
}

type otherKey struct {
	id                 string
	decoded            string
	account, arn, user evidence
	uses               copies
	first, last        int64
}

type limitAgg struct {
	n           int64
	first, last int64
	arn         evidence // the last caller's ARN
	self        bool     // some attempt was self-service
}

// New returns an empty Builder. Options are optional: New() is
// New(Options{}); only the first is used.
func New(opts ...Options) *Builder {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	return &Builder{
		opts:       o,
		keys:       map[string]*keyAgg{},
		others:     map[string]*otherKey{},
		recipients: map[string]bool{},
		callers:    map[string]bool{},
		limits:     map[userRef]*limitAgg{},
		fileKeys:   map[string]bool{},
	}
}

// AddCredentialsFileKeys adds key IDs read from credentials files (a
// console "Download .csv", ~/.aws/credentials: ingest's Result.KeyIDs).
// Only the ID is known of them: Finish lists each one, with the source
// credentials-file, beside what CloudTrail says of it if anything.
func (b *Builder) AddCredentialsFileKeys(ids []string) {
	for _, id := range ids {
		if id != "" {
			b.fileKeys[strings.Clone(id)] = true
		}
	}
}

func (b *Builder) key(id string) *keyAgg {
	if k := b.keys[id]; k != nil {
		return k
	}
	id = strings.Clone(id)
	k := &keyAgg{id: id, callerAccounts: map[string]bool{}, days: map[int32]*dayCount{}}
	if info, err := keyid.Decode(id); err != nil {
		k.decErr = err.Error()
	} else {
		k.decoded = info
	}
	b.keys[id] = k
	return k
}

// Events returns the number of events added so far.
func (b *Builder) Events() int64 { return b.events }

// Add folds the events of rec (schema cloudtrail.EventSchema) into the
// aggregates. It does not retain rec; the caller keeps ownership. It fails,
// with an error wrapping ErrEventSchema, on a record of another schema.
func (b *Builder) Add(rec arrow.Record) error {
	ev, err := newEvents(rec)
	if err != nil {
		return err
	}
	for i := 0; i < ev.N; i++ {
		b.addRow(ev, i)
	}
	b.events += int64(ev.N)
	return nil
}

func (b *Builder) addRow(ev *events, i int) {
	at := ev.Millis(ct.ColEventTime, i)
	recipient := ev.Str(ct.ColRecipientAccountID, i)
	caller := ev.Str(ct.ColUIAccountID, i)
	if recipient != "" && !b.recipients[recipient] {
		b.recipients[strings.Clone(recipient)] = true
	}
	if caller != "" && !b.callers[caller] {
		b.callers[strings.Clone(caller)] = true
	}
	home := recipient == "" || caller == "" || recipient == caller
	typ := ev.Str(ct.ColUIType, i)

	if id := ev.Str(ct.ColUIAccessKeyID, i); id != "" {
		if longTermKeyID(id) && (typ == typeIAMUser || typ == typeRoot) {
			b.use(b.key(id), ev, i, at, home, caller, typ)
		} else {
			b.other(id, ev, i, at, home, caller)
		}
	}
	if ev.Str(ct.ColEventSource, i) == iamSource {
		b.lifecycle(ev, i, at, caller)
	}
}

func (b *Builder) use(k *keyAgg, ev *events, i int, at int64, home bool, caller, typ string) {
	if typ == typeRoot {
		k.isRoot = true
		k.user.offer(RootUser, at)
	} else {
		k.user.offer(ev.Str(ct.ColUIUserName, i), at)
	}
	acct := caller
	if acct == "" {
		acct = arnAccount(ev.Str(ct.ColUIARN, i))
	}
	if acct == "" {
		acct = k.decoded.Account
	}
	k.account.offer(acct, at)
	k.arn.offer(ev.Str(ct.ColUIARN, i), at)
	if caller != "" && !k.callerAccounts[caller] {
		k.callerAccounts[strings.Clone(caller)] = true
	}
	k.uses.add(home)
	if k.first == 0 || at < k.first {
		k.first = at
	}
	// The last use's region and service; among calls of the same
	// millisecond the smallest (service, region), so the order of records
	// does not matter.
	svc, region := ev.Str(ct.ColEventSource, i), ev.Str(ct.ColAWSRegion, i)
	if k.last == 0 || at > k.last || at == k.last && (svc < k.lastService || svc == k.lastService && region < k.lastRegion) {
		k.last = at
		k.lastRegion = strings.Clone(region)
		k.lastService = strings.Clone(svc)
	}
	day := int32(floorDiv(at, 86_400_000))
	d := k.days[day]
	if d == nil {
		d = &dayCount{min: at, max: at}
		k.days[day] = d
	}
	d.c.add(home)
	d.min, d.max = min(d.min, at), max(d.max, at)
	if k.ips == nil {
		k.ips = &topN{cap: 4 * b.opts.topN()}
		k.agents = &topN{cap: 4 * b.opts.topN()}
	}
	k.ips.add(ev.Str(ct.ColSourceIPAddress, i), home, at)
	k.agents.add(ev.Str(ct.ColUserAgent, i), home, at)
}

func (b *Builder) other(id string, ev *events, i int, at int64, home bool, caller string) {
	o := b.others[id]
	if o == nil {
		decoded := keyid.Account(id)
		if decoded == "" || decoded == caller {
			return // nothing foreign-key could report
		}
		o = &otherKey{id: strings.Clone(id), decoded: decoded}
		b.others[o.id] = o
	}
	o.account.offer(caller, at)
	o.arn.offer(ev.Str(ct.ColUIARN, i), at)
	o.user.offer(ev.Str(ct.ColUIUserName, i), at)
	o.uses.add(home)
	if o.first == 0 || at < o.first {
		o.first = at
	}
	o.last = max(o.last, at)
}

// lifecycle folds CreateAccessKey, UpdateAccessKey and DeleteAccessKey.
// Only successful calls (no errorCode) change a key; a CreateAccessKey
// refused with LimitExceededException is kept per user for
// key-limit-exceeded.
func (b *Builder) lifecycle(ev *events, i int, at int64, caller string) {
	name := ev.Str(ct.ColEventName, i)
	errCode := ev.Str(ct.ColErrorCode, i)
	switch name {
	case "CreateAccessKey":
		if errCode == errLimitExceeded {
			user := ev.targetUser(i)
			if user == "" || caller == "" {
				return
			}
			ref := userRef{caller, user}
			l := b.limits[ref]
			if l == nil {
				l = &limitAgg{first: at, last: at}
				b.limits[userRef{strings.Clone(caller), strings.Clone(user)}] = l
			}
			l.n++
			l.first, l.last = min(l.first, at), max(l.last, at)
			l.arn.offerLatest(ev.Str(ct.ColUIARN, i), at)
			if ev.Str(ct.ColReqUserName, i) == "" {
				l.self = true
			}
			return
		}
		id := ev.Str(ct.ColRespAccessKeyID, i)
		if errCode != "" || !longTermKeyID(id) {
			return
		}
		k := b.key(id)
		b.owner(k, ev, i, at, caller)
		if cd := ev.Millis(ct.ColRespAccessKeyCreateDate, i); cd != 0 && (k.createDate == 0 || at < k.createdAt) {
			k.createDate, k.createdAt = cd, at
			k.createdBy = strings.Clone(ev.Str(ct.ColUIARN, i))
		} else if k.createdAt == 0 || at < k.createdAt {
			k.createdAt = at
			k.createdBy = strings.Clone(ev.Str(ct.ColUIARN, i))
		}
	case "UpdateAccessKey":
		id := ev.Str(ct.ColReqAccessKeyID, i)
		st := ev.Str(ct.ColReqStatus, i)
		if errCode != "" || !longTermKeyID(id) || (st != "Active" && st != "Inactive") {
			return
		}
		k := b.key(id)
		b.owner(k, ev, i, at, caller)
		if at > k.statusAt || at == k.statusAt && st < k.status {
			k.statusAt, k.status = at, st
			k.statusBy = strings.Clone(ev.Str(ct.ColUIARN, i))
		}
	case "DeleteAccessKey":
		id := ev.Str(ct.ColReqAccessKeyID, i)
		if errCode != "" || !longTermKeyID(id) {
			return
		}
		k := b.key(id)
		b.owner(k, ev, i, at, caller)
		if k.deletedAt == 0 || at < k.deletedAt {
			k.deletedAt = at
			k.deletedBy = strings.Clone(ev.Str(ct.ColUIARN, i))
		}
	}
}

// owner records whose key an IAM access-key call was about: the target
// user (requestParameters.userName, else the caller) in the caller's
// account (IAM calls never cross accounts), else the decoded account.
func (b *Builder) owner(k *keyAgg, ev *events, i int, at int64, caller string) {
	user := ev.targetUser(i)
	if user == "" {
		user = ev.Str(ct.ColRespAccessKeyUserName, i)
	}
	if user == RootUser {
		k.isRoot = true
	}
	k.user.offer(user, at)
	acct := caller
	if acct == "" {
		acct = k.decoded.Account
	}
	k.account.offer(acct, at)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// arnAccount is the account field of an ARN (arn:partition:service:region:
// account:resource), or "" when it is not 12 digits.
func arnAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 || f[0] != "arn" || len(f[4]) != 12 {
		return ""
	}
	for _, c := range f[4] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return f[4]
}
