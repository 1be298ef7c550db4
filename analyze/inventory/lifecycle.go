package inventory

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyaudit/keyaudit/facts"
)

// lifeCols is the number of key_lifecycle columns.
const lifeCols = facts.KLRespUserName + 1

// lifeRow is one buffered key_lifecycle row: the times, and the string
// columns by their facts.KL* index (interned; "" for null and for the
// time columns).
type lifeRow struct {
	at, createDate int64
	s              [lifeCols]string
}

// bufferLifecycle keeps the rows of a key_lifecycle record for Finish:
// they are replayed in one canonical order, because the lifecycle updates
// are not all commutative (docs/FACTS.md §4.2). They are about 1 % of a
// trail's events.
func (b *Builder) bufferLifecycle(v *facts.View) {
	cols := facts.Columns(facts.KeyLifecycle)
	for i := 0; i < v.N; i++ {
		r := lifeRow{at: v.Int(facts.KLEventTime, i), createDate: v.Int(facts.KLRespCreateDate, i)}
		for c, col := range cols {
			if col.Kind == facts.Str {
				r.s[c] = b.strs.in(v.Str(c, i))
			}
		}
		b.life = append(b.life, r)
	}
}

// compareLife is the canonical order of lifecycle rows: event_time,
// event_id, then every other column in schema order (null and "" equal,
// a null time is 0).
func compareLife(x, y *lifeRow) int {
	if c := cmp.Or(cmp.Compare(x.at, y.at), strings.Compare(x.s[facts.KLEventID], y.s[facts.KLEventID])); c != 0 {
		return c
	}
	for c := range lifeCols {
		switch c {
		case facts.KLEventTime, facts.KLEventID:
		case facts.KLRespCreateDate:
			if r := cmp.Compare(x.createDate, y.createDate); r != 0 {
				return r
			}
		default:
			if r := strings.Compare(x.s[c], y.s[c]); r != 0 {
				return r
			}
		}
	}
	return 0
}

func (b *Builder) replayLifecycle() {
	slices.SortFunc(b.life, func(x, y lifeRow) int { return compareLife(&x, &y) })
	for i := range b.life {
		b.lifecycle(&b.life[i])
	}
	b.life = nil
}

// callerUser is the user a self-service IAM call acts on: the caller's own
// user name, <root_account> for root, "" for any other identity.
func (r *lifeRow) callerUser() string {
	switch r.s[facts.KLType] {
	case typeRoot:
		return RootUser
	case typeIAMUser:
		return r.s[facts.KLUserName]
	}
	return ""
}

// targetUser is the user an IAM access-key call acts on:
// requestParameters.userName, else the caller (self-service).
func (r *lifeRow) targetUser() string {
	if u := r.s[facts.KLReqUserName]; u != "" {
		return u
	}
	return r.callerUser()
}

// lifecycle folds CreateAccessKey, UpdateAccessKey and DeleteAccessKey.
// Only successful calls (no errorCode) change a key; a CreateAccessKey
// refused with LimitExceededException is kept per user for
// key-limit-exceeded.
func (b *Builder) lifecycle(r *lifeRow) {
	at, caller, errCode, arn := r.at, r.s[facts.KLAccountID], r.s[facts.KLErrorCode], r.s[facts.KLARN]
	switch r.s[facts.KLEventName] {
	case "CreateAccessKey":
		if errCode == errLimitExceeded {
			user := r.targetUser()
			if user == "" || caller == "" {
				return
			}
			ref := userRef{caller, user}
			l := b.limits[ref]
			if l == nil {
				l = &limitAgg{first: at, last: at}
				b.limits[ref] = l
			}
			l.n++
			l.first, l.last = min(l.first, at), max(l.last, at)
			l.arn.offerLatest(arn, at)
			if r.s[facts.KLReqUserName] == "" {
				l.self = true
			}
			return
		}
		id := r.s[facts.KLRespAccessKeyID]
		if errCode != "" || !longTermKeyID(id) {
			return
		}
		k := b.key(id)
		b.owner(k, r)
		if cd := r.createDate; cd != 0 && (k.createDate == 0 || at < k.createdAt) {
			k.createDate, k.createdAt, k.createdBy = cd, at, arn
		} else if k.createdAt == 0 || at < k.createdAt {
			k.createdAt, k.createdBy = at, arn
		}
	case "UpdateAccessKey":
		id := r.s[facts.KLReqAccessKeyID]
		st := r.s[facts.KLReqStatus]
		if errCode != "" || !longTermKeyID(id) || (st != StatusActive && st != StatusInactive) {
			return
		}
		k := b.key(id)
		b.owner(k, r)
		if at > k.statusAt || at == k.statusAt && st < k.status {
			k.statusAt, k.status, k.statusBy = at, st, arn
		}
	case "DeleteAccessKey":
		id := r.s[facts.KLReqAccessKeyID]
		if errCode != "" || !longTermKeyID(id) {
			return
		}
		k := b.key(id)
		b.owner(k, r)
		if k.deletedAt == 0 || at < k.deletedAt {
			k.deletedAt, k.deletedBy = at, arn
		}
	}
}

// owner records whose key an IAM access-key call was about: the target
// user (requestParameters.userName, else the caller) in the caller's
// account (IAM calls never cross accounts), else the decoded account.
func (b *Builder) owner(k *keyAgg, r *lifeRow) {
	user := r.targetUser()
	if user == "" {
		user = r.s[facts.KLRespUserName]
	}
	if user == RootUser {
		k.isRoot = true
	}
	k.user.offer(user, r.at)
	acct := r.s[facts.KLAccountID]
	if acct == "" {
		acct = k.decoded.Account
	}
	k.account.offer(acct, r.at)
}
