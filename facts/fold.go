package facts

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

var _ Sink = (*Aggregator)(nil)

// Facts folds the fact rows of rec (a record of table t's canonical
// schema) into the Aggregator, as if it had been given the events behind
// them: key_use and session_use rows of equal grain become one (calls
// added, first_time the least, last_time the greatest), principals and
// event_accounts likewise, and sts_issue and key_lifecycle rows are kept
// as they are. So an Aggregator is also a Sink that folds the concatenated
// fact sets of many producers (docs/FACTS.md rule 4) into fewer rows, in
// the memory Options.MaxGroups bounds (a flush emits partial aggregates,
// which readers fold). Manifest rows are ignored. It does not retain rec.
func (a *Aggregator) Facts(t Table, rec arrow.Record) error {
	if t < 0 || t >= NumTables || a.skip[t] || t == Manifest {
		return nil
	}
	v, err := NewView(t, rec)
	if err != nil {
		return err
	}
	for i := 0; i < v.N; i++ {
		a.foldRow(v, i)
		if a.opts.MaxGroups > 0 && a.groups > a.opts.MaxGroups {
			if err := a.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Aggregator) foldRow(v *View, i int) {
	switch v.Table {
	case KeyUse:
		k := kuKey{
			key: v.Str(KUAccessKeyID, i), typ: v.Str(KUType, i), arn: v.Str(KUARN, i), user: v.Str(KUUserName, i),
			acct: v.Str(KUAccountID, i), recip: v.Str(KURecipient, i), day: int32(v.Int(KUDay, i)),
			source: v.Str(KUEventSource, i), region: v.Str(KURegion, i), ip: v.Str(KUSourceIP, i),
			agent: v.Str(KUUserAgent, i),
		}
		t := a.keyUse[k]
		if t == nil {
			t = &tally{}
			k.key, k.typ, k.arn, k.user, k.acct = a.in(k.key), a.in(k.typ), a.in(k.arn), a.in(k.user), a.in(k.acct)
			k.recip, k.source, k.region, k.ip, k.agent = a.in(k.recip), a.in(k.source), a.in(k.region), a.in(k.ip), a.in(k.agent)
			a.keyUse[k] = t
			a.groups++
		}
		t.merge(v.Int(KUCalls, i), v.Int(KUFirst, i), v.Int(KULast, i))
	case SessionUse:
		k := suKey{
			key: v.Str(SUAccessKeyID, i), typ: v.Str(SUType, i), arn: v.Str(SUARN, i), user: v.Str(SUUserName, i),
			acct: v.Str(SUAccountID, i), issType: v.Str(SUIssuerType, i), issARN: v.Str(SUIssuerARN, i),
			created: v.Int(SUCreationDate, i), srcID: v.Str(SUSourceIdentity, i), invokedBy: v.Str(SUInvokedBy, i),
			recip: v.Str(SURecipient, i), console: v.Bool(SUConsoleHint, i),
		}
		t := a.sessionUse[k]
		if t == nil {
			t = &tally{}
			k.key, k.typ, k.arn, k.user, k.acct = a.in(k.key), a.in(k.typ), a.in(k.arn), a.in(k.user), a.in(k.acct)
			k.issType, k.issARN, k.srcID, k.invokedBy, k.recip = a.in(k.issType), a.in(k.issARN), a.in(k.srcID), a.in(k.invokedBy), a.in(k.recip)
			a.sessionUse[k] = t
			a.groups++
		}
		t.merge(v.Int(SUCalls, i), v.Int(SUFirst, i), v.Int(SULast, i))
	case STSIssue:
		var r [siN]val
		a.viewRow(v, i, r[:])
		a.sts = append(a.sts, r)
		a.groups++
	case KeyLifecycle:
		var r [klN]val
		a.viewRow(v, i, r[:])
		a.lifecycle = append(a.lifecycle, r)
		a.groups++
	case Principals:
		if id, arn := v.Str(PRPrincipalID, i), v.Str(PRARN, i); id != "" && arn != "" {
			if _, ok := a.principals[[2]string{id, arn}]; !ok {
				a.principals[[2]string{strings.Clone(id), strings.Clone(arn)}] = struct{}{}
			}
		}
	case EventAccounts:
		recip := v.Str(EARecipient, i)
		acc := a.accounts[recip]
		if acc == nil {
			acc = &tally{}
			a.accounts[strings.Clone(recip)] = acc
		}
		acc.merge(v.Int(EAEvents, i), v.Int(EAFirst, i), v.Int(EALast, i))
	}
}

// viewRow copies row i of an event table's view into out, as copyRow
// copies an event: "" and a zero time are null, a boolean is never null.
func (a *Aggregator) viewRow(v *View, i int, out []val) {
	for c, col := range Columns(v.Table) {
		switch col.Kind {
		case Str:
			if s := v.Str(c, i); s != "" {
				out[c] = val{s: a.in(s), ok: true}
			}
		case Time:
			if n := v.Int(c, i); n != 0 {
				out[c] = val{n: n, ok: true}
			}
		case Bool:
			if v.Bool(c, i) {
				out[c] = val{n: 1, ok: true}
			} else {
				out[c] = val{ok: true}
			}
		}
	}
}

// merge adds a folded group of calls calls, first seen at first and last
// seen at last.
func (t *tally) merge(calls, first, last int64) {
	if calls <= 0 {
		return
	}
	if t.calls == 0 || first < t.first {
		t.first = first
	}
	if t.calls == 0 || last > t.last {
		t.last = last
	}
	t.calls += calls
}
