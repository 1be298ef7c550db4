package inventory

import (
	"github.com/keyaudit/keyaudit/analyze/keyid"
	"github.com/keyaudit/keyaudit/facts"
)

// keyUse folds key_use rows (docs/FACTS.md §1): each row is routed as one
// event was, to its long-term key or to others, and applies the update of
// one event with calls for the count and first_time/last_time for the
// event time. Every update is a min, a max, a sum or a set union, so rows
// fold in any order and grouping.
func (b *Builder) keyUse(v *facts.View) {
	var k *keyAgg // the previous row's key: rows come grouped by key
	for i := 0; i < v.N; i++ {
		id := v.Str(facts.KUAccessKeyID, i)
		if id == "" {
			continue
		}
		typ := v.Str(facts.KUType, i)
		caller, recipient := v.Str(facts.KUAccountID, i), v.Str(facts.KURecipient, i)
		home := recipient == "" || caller == "" || recipient == caller
		calls, first, last := v.Int(facts.KUCalls, i), v.Int(facts.KUFirst, i), v.Int(facts.KULast, i)
		if !longTermKeyID(id) || typ != typeIAMUser && typ != typeRoot {
			b.other(id, caller, v.Str(facts.KUARN, i), v.Str(facts.KUUserName, i), home, calls, first, last)
			continue
		}
		if k == nil || k.id != id {
			k = b.key(id)
		}
		b.use(k, v, i, typ, caller, home, calls, first, last)
	}
}

func (b *Builder) use(k *keyAgg, v *facts.View, i int, typ, caller string, home bool, calls, first, last int64) {
	arn := v.Str(facts.KUARN, i)
	if typ == typeRoot {
		k.isRoot = true
		k.user.offer(RootUser, first)
	} else {
		k.user.offer(v.Str(facts.KUUserName, i), first)
	}
	acct := caller
	if acct == "" {
		acct = arnAccount(arn)
	}
	if acct == "" {
		acct = k.decoded.Account
	}
	k.account.offer(acct, first)
	k.arn.offer(arn, first)
	if caller != "" && caller != k.lastCaller {
		if !k.callerAccounts[caller] {
			k.callerAccounts[b.strs.in(caller)] = true
		}
		k.lastCaller = b.strs.in(caller)
	}
	k.uses.addN(home, calls)
	if k.first == 0 || first < k.first {
		k.first = first
	}
	// The last use's region and service: among rows whose last_time is
	// the key's last, the smallest (service, region), which is what the
	// events of that millisecond give, whatever their order.
	svc, region := v.Str(facts.KUEventSource, i), v.Str(facts.KURegion, i)
	if k.last == 0 || last > k.last || last == k.last && (svc < k.lastService || svc == k.lastService && region < k.lastRegion) {
		k.last = last
		k.lastRegion = b.strs.in(region)
		k.lastService = b.strs.in(svc)
	}
	day := int32(v.Int(facts.KUDay, i))
	d := k.days[day]
	if d == nil {
		d = &dayCount{min: first, max: last}
		k.days[day] = d
	}
	d.c.addN(home, calls)
	d.min, d.max = min(d.min, first), max(d.max, last)
	if k.ips == nil {
		k.ips = newValueCounts(b.opts.maxValues())
		k.agents = newValueCounts(b.opts.maxValues())
	}
	k.ips.add(v.Str(facts.KUSourceIP, i), home, calls, last)
	k.agents.add(v.Str(facts.KUUserAgent, i), home, calls, last)
}

// sessionUse folds session_use rows: temporary (ASIA) keys, which are
// never long-term, so each row goes to others, with inventory's home rule
// (not sessions').
func (b *Builder) sessionUse(v *facts.View) {
	for i := 0; i < v.N; i++ {
		id := v.Str(facts.SUAccessKeyID, i)
		if id == "" {
			continue
		}
		caller, recipient := v.Str(facts.SUAccountID, i), v.Str(facts.SURecipient, i)
		home := recipient == "" || caller == "" || recipient == caller
		b.other(id, caller, v.Str(facts.SUARN, i), v.Str(facts.SUUserName, i), home,
			v.Int(facts.SUCalls, i), v.Int(facts.SUFirst, i), v.Int(facts.SULast, i))
	}
}

// other folds a use of a key that is not a long-term IAMUser or Root key.
// Every such key with a decoded account is kept, and all its rows count;
// Finish reports it only when some row's caller account is not the decoded
// one (docs/FACTS.md §4.2: the result does not depend on which row comes
// first).
func (b *Builder) other(id, caller, arn, user string, home bool, calls, first, last int64) {
	o := b.others[id]
	if o == nil {
		o = &otherKey{id: b.strs.in(id), decoded: keyid.Account(id)}
		b.others[o.id] = o
	}
	if o.decoded == "" {
		return // nothing foreign-key could report
	}
	if caller != o.decoded {
		o.foreign = true
	}
	o.account.offer(caller, first)
	o.arn.offer(arn, first)
	o.user.offer(user, first)
	o.uses.addN(home, calls)
	if o.first == 0 || first < o.first {
		o.first = first
	}
	o.last = max(o.last, last)
}
