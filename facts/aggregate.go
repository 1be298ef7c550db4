package facts

import (
	"cmp"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// Sink receives fact records. It does not own rec: it must Retain it to
// keep it past the call. An error stops the producer.
type Sink interface {
	Facts(t Table, rec arrow.Record) error
}

// Options configure an Aggregator. The zero value is ready to use.
type Options struct {
	// MaxGroups bounds the memory of the usage maps: when key_use,
	// session_use and the buffered event rows together hold more rows than
	// this, the Aggregator flushes them to its sinks as partial aggregates
	// (readers fold repeated grain rows). 0 means DefaultMaxGroups; a
	// negative value never flushes before Close.
	MaxGroups int
	// Sorted emits every table's rows in grain order (all columns, in
	// schema order), as files need to be byte-stable. Sinks that fold do
	// not need it.
	Sorted bool
	// BatchRows is the number of rows per emitted record; 0 means 16,384.
	BatchRows int
	// Skip lists tables the Aggregator does not build: their rows are
	// neither gathered nor emitted, so a consumer of some tables only
	// (sessions reads neither key_use nor key_lifecycle) does not pay for
	// the others' maps and records.
	Skip []Table
}

// DefaultMaxGroups is Options.MaxGroups when unset: about 60 MB of maps.
const DefaultMaxGroups = 1 << 18

// EventColumns are the event columns an Aggregator reads: a run feeding
// only an Aggregator may omit the others (ingest.Options.OmitColumns with
// cloudtrail.OmitAllBut).
func EventColumns() []int {
	cols := []int{
		ct.ColEventTime, ct.ColEventSource, ct.ColEventName, ct.ColAWSRegion, ct.ColSourceIPAddress,
		ct.ColUserAgent, ct.ColErrorCode, ct.ColEventID, ct.ColSharedEventID, ct.ColRecipientAccountID,
		ct.ColRequestID, ct.ColUIType, ct.ColUIPrincipalID, ct.ColUIARN, ct.ColUIAccountID,
		ct.ColUIAccessKeyID, ct.ColUIUserName, ct.ColUIInvokedBy, ct.ColUIIssuerType, ct.ColUIIssuerARN,
		ct.ColUISessionCreationDate, ct.ColUISourceIdentity, ct.ColSessionCredentialFromConsole,
	}
	for _, src := range [][]int{stsSource[:], lifecycleSource[:]} {
		cols = append(cols, src...)
	}
	slices.Sort(cols)
	return slices.Compact(cols)
}

// stsSource and lifecycleSource map the columns of the one-row-per-event
// tables to the event columns they copy.
var stsSource = [siN]int{
	SIEventTime: ct.ColEventTime, SIEventID: ct.ColEventID, SISharedEventID: ct.ColSharedEventID,
	SIRequestID: ct.ColRequestID, SIEventName: ct.ColEventName, SIRecipient: ct.ColRecipientAccountID,
	SISourceIP: ct.ColSourceIPAddress, SIUserAgent: ct.ColUserAgent, SIAccessKeyID: ct.ColUIAccessKeyID,
	SIType: ct.ColUIType, SIARN: ct.ColUIARN, SIAccountID: ct.ColUIAccountID,
	SIPrincipalID: ct.ColUIPrincipalID, SIInvokedBy: ct.ColUIInvokedBy,
	SIFromConsole: ct.ColSessionCredentialFromConsole, SIIssuedKeyID: ct.ColRespCredentialsAccessKeyID,
	SIIssuedExpiration: ct.ColRespCredentialsExpiration, SIAssumedRoleARN: ct.ColRespAssumedRoleARN,
	SIRoleARN: ct.ColReqRoleARN, SIRoleSessionName: ct.ColReqRoleSessionName,
	SISourceIdentity: ct.ColReqSourceIdentity, SIPrincipalARN: ct.ColReqPrincipalARN,
	SITargetPrincipal: ct.ColReqTargetPrincipal, SIName: ct.ColReqName, SISubject: ct.ColRespSubject,
	SIProvider: ct.ColRespProvider, SIWebSubject: ct.ColRespSubjectFromWebIdentityToken,
}

var lifecycleSource = [klN]int{
	KLEventTime: ct.ColEventTime, KLEventID: ct.ColEventID, KLSharedEventID: ct.ColSharedEventID,
	KLEventName: ct.ColEventName, KLErrorCode: ct.ColErrorCode, KLSourceIP: ct.ColSourceIPAddress,
	KLType: ct.ColUIType, KLUserName: ct.ColUIUserName, KLARN: ct.ColUIARN, KLAccountID: ct.ColUIAccountID,
	KLReqUserName: ct.ColReqUserName, KLReqAccessKeyID: ct.ColReqAccessKeyID, KLReqStatus: ct.ColReqStatus,
	KLRespAccessKeyID: ct.ColRespAccessKeyID, KLRespCreateDate: ct.ColRespAccessKeyCreateDate,
	KLRespUserName: ct.ColRespAccessKeyUserName,
}

// Event-table filters (docs/FACTS.md §3).
const (
	iamSource       = "iam.amazonaws.com"
	signinService   = "signin.amazonaws.com"
	consoleAgent    = "console.amazonaws.com"
	temporaryPrefix = "ASIA"
)

// IsLifecycle reports whether an event of this source and name belongs in
// key_lifecycle.
func IsLifecycle(source, name string) bool {
	return source == iamSource && (name == "CreateAccessKey" || name == "UpdateAccessKey" || name == "DeleteAccessKey")
}

// IsTemporary reports whether an access key ID is a temporary (ASIA) key.
func IsTemporary(id string) bool { return strings.HasPrefix(id, temporaryPrefix) }

// ConsoleHint is session_use.console_hint for one event.
func ConsoleHint(fromConsole bool, userAgent string) bool {
	return fromConsole || userAgent == consoleAgent || userAgent == signinService
}

type kuKey struct {
	key, typ, arn, user, acct, recip, source, region, ip, agent string
	day                                                         int32
}

type suKey struct {
	key, typ, arn, user, acct, issType, issARN, srcID, invokedBy, recip string
	created                                                             int64
	console                                                             bool
}

type tally struct{ calls, first, last int64 }

func (t *tally) add(at int64) {
	if t.calls == 0 || at < t.first {
		t.first = at
	}
	if t.calls == 0 || at > t.last {
		t.last = at
	}
	t.calls++
}

// val is one cell of a buffered event row: a string, or a number (times,
// booleans as 0/1); ok is false for null.
type val struct {
	s  string
	n  int64
	ok bool
}

// Aggregator turns event records (schema cloudtrail.EventSchema, already
// deduplicated and validated by ingest) into fact records, which it hands
// to its sinks on Flush and Close. It is an ingest.EventSink; use it from
// one goroutine. Memory is bounded by Options.MaxGroups.
type Aggregator struct {
	mem   memory.Allocator
	opts  Options
	sinks []Sink

	keyUse     map[kuKey]*tally
	sessionUse map[suKey]*tally
	sts        [][siN]val
	lifecycle  [][klN]val
	principals map[[2]string]struct{}
	accounts   map[string]*tally
	strs       map[string]string
	rows       [NumTables]int64
	events     int64
	groups     int // rows held in keyUse, sessionUse, sts and lifecycle
	skip       [NumTables]bool
	closed     bool
}

// NewAggregator returns an Aggregator that emits to sinks, in order.
func NewAggregator(mem memory.Allocator, opts Options, sinks ...Sink) *Aggregator {
	if opts.MaxGroups == 0 {
		opts.MaxGroups = DefaultMaxGroups
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 16384
	}
	a := &Aggregator{mem: mem, opts: opts, sinks: sinks, principals: map[[2]string]struct{}{}, accounts: map[string]*tally{}}
	for _, t := range opts.Skip {
		if t >= 0 && t < NumTables {
			a.skip[t] = true
		}
	}
	a.reset()
	return a
}

func (a *Aggregator) reset() {
	a.keyUse = map[kuKey]*tally{}
	a.sessionUse = map[suKey]*tally{}
	a.sts, a.lifecycle = nil, nil
	a.strs = map[string]string{}
	a.groups = 0
}

// in returns a copy of s owned by the Aggregator (strings read from a
// record alias its buffers).
func (a *Aggregator) in(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := a.strs[s]; ok {
		return v
	}
	v := strings.Clone(s)
	a.strs[v] = v
	return v
}

// Events folds the events of rec. It does not retain rec.
func (a *Aggregator) Events(rec arrow.Record) error {
	v, err := ct.NewView(rec)
	if err != nil {
		return err
	}
	for i := 0; i < v.N; i++ {
		a.addRow(v, i)
		a.events++
		if a.opts.MaxGroups > 0 && a.groups > a.opts.MaxGroups {
			if err := a.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// EventCount returns the number of events folded so far.
func (a *Aggregator) EventCount() int64 { return a.events }

func (a *Aggregator) addRow(v *ct.View, i int) {
	at := v.Millis(ct.ColEventTime, i)
	recip := v.Str(ct.ColRecipientAccountID, i)
	if !a.skip[EventAccounts] {
		acc := a.accounts[recip]
		if acc == nil {
			acc = &tally{}
			a.accounts[strings.Clone(recip)] = acc
		}
		acc.add(at)
	}

	typ := v.Str(ct.ColUIType, i)
	if (typ == "IAMUser" || typ == "Root") && !a.skip[Principals] {
		if id, arn := v.Str(ct.ColUIPrincipalID, i), v.Str(ct.ColUIARN, i); id != "" && arn != "" {
			if _, ok := a.principals[[2]string{id, arn}]; !ok {
				a.principals[[2]string{strings.Clone(id), strings.Clone(arn)}] = struct{}{}
			}
		}
	}
	if key := v.Str(ct.ColUIAccessKeyID, i); key != "" {
		if IsTemporary(key) {
			if !a.skip[SessionUse] {
				a.addSessionUse(v, i, key, typ, recip, at)
			}
		} else if !a.skip[KeyUse] {
			k := kuKey{
				key: key, typ: typ, arn: v.Str(ct.ColUIARN, i), user: v.Str(ct.ColUIUserName, i),
				acct: v.Str(ct.ColUIAccountID, i), recip: recip, day: int32(floorDiv(at, 86_400_000)),
				source: v.Str(ct.ColEventSource, i), region: v.Str(ct.ColAWSRegion, i),
				ip: v.Str(ct.ColSourceIPAddress, i), agent: v.Str(ct.ColUserAgent, i),
			}
			t := a.keyUse[k]
			if t == nil {
				t = &tally{}
				k.key, k.typ, k.arn, k.user, k.acct = a.in(k.key), a.in(k.typ), a.in(k.arn), a.in(k.user), a.in(k.acct)
				k.recip, k.source, k.region, k.ip, k.agent = a.in(k.recip), a.in(k.source), a.in(k.region), a.in(k.ip), a.in(k.agent)
				a.keyUse[k] = t
				a.groups++
			}
			t.add(at)
		}
	}
	if !a.skip[STSIssue] && IsTemporary(v.Str(ct.ColRespCredentialsAccessKeyID, i)) && v.Str(ct.ColErrorCode, i) == "" {
		var r [siN]val
		a.copyRow(v, i, stsSource[:], Columns(STSIssue), r[:])
		a.sts = append(a.sts, r)
		a.groups++
	}
	if !a.skip[KeyLifecycle] && IsLifecycle(v.Str(ct.ColEventSource, i), v.Str(ct.ColEventName, i)) {
		var r [klN]val
		a.copyRow(v, i, lifecycleSource[:], Columns(KeyLifecycle), r[:])
		a.lifecycle = append(a.lifecycle, r)
		a.groups++
	}
}

func (a *Aggregator) addSessionUse(v *ct.View, i int, key, typ, recip string, at int64) {
	agent := v.Str(ct.ColUserAgent, i)
	k := suKey{
		key: key, typ: typ, arn: v.Str(ct.ColUIARN, i), user: v.Str(ct.ColUIUserName, i),
		acct: v.Str(ct.ColUIAccountID, i), issType: v.Str(ct.ColUIIssuerType, i),
		issARN: v.Str(ct.ColUIIssuerARN, i), created: v.Millis(ct.ColUISessionCreationDate, i),
		srcID: v.Str(ct.ColUISourceIdentity, i), invokedBy: v.Str(ct.ColUIInvokedBy, i), recip: recip,
		console: ConsoleHint(v.Bool(ct.ColSessionCredentialFromConsole, i), agent),
	}
	t := a.sessionUse[k]
	if t == nil {
		t = &tally{}
		k.key, k.typ, k.arn, k.user, k.acct = a.in(k.key), a.in(k.typ), a.in(k.arn), a.in(k.user), a.in(k.acct)
		k.issType, k.issARN, k.srcID, k.invokedBy, k.recip = a.in(k.issType), a.in(k.issARN), a.in(k.srcID), a.in(k.invokedBy), a.in(k.recip)
		a.sessionUse[k] = t
		a.groups++
	}
	t.add(at)
}

func (a *Aggregator) copyRow(v *ct.View, i int, src []int, cols []Column, out []val) {
	for c, col := range cols {
		switch col.Kind {
		case Str:
			if s := v.Str(src[c], i); s != "" {
				out[c] = val{s: a.in(s), ok: true}
			}
		case Time:
			if n := v.Millis(src[c], i); n != 0 {
				out[c] = val{n: n, ok: true}
			}
		case Bool:
			if v.Bool(src[c], i) {
				out[c] = val{n: 1, ok: true}
			} else {
				out[c] = val{ok: true}
			}
		}
	}
}

// Flush hands the usage and event rows gathered so far to the sinks as
// partial aggregates and forgets them. principals and event_accounts are
// kept until Close (they are small).
func (a *Aggregator) Flush() error {
	if err := a.emitKeyUse(); err != nil {
		return err
	}
	if err := a.emitSessionUse(); err != nil {
		return err
	}
	if err := a.emitRows(STSIssue, stsRows(a.sts)); err != nil {
		return err
	}
	if err := a.emitRows(KeyLifecycle, lifecycleRows(a.lifecycle)); err != nil {
		return err
	}
	a.reset()
	return nil
}

// Close flushes everything, principals and event_accounts included. The
// Aggregator must not be used after.
func (a *Aggregator) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	if err := a.Flush(); err != nil {
		return err
	}
	pr := make([][]val, 0, len(a.principals))
	for p := range a.principals {
		pr = append(pr, []val{{s: p[0], ok: true}, {s: p[1], ok: true}})
	}
	if err := a.emitRows(Principals, pr); err != nil {
		return err
	}
	ea := make([][]val, 0, len(a.accounts))
	for r, t := range a.accounts {
		ea = append(ea, []val{strVal(r), {n: t.calls, ok: true}, {n: t.first, ok: true}, {n: t.last, ok: true}})
	}
	return a.emitRows(EventAccounts, ea)
}

// Rows returns the number of rows emitted per table so far.
func (a *Aggregator) Rows() [NumTables]int64 { return a.rows }

func strVal(s string) val { return val{s: s, ok: s != ""} }

func stsRows(rows [][siN]val) [][]val {
	out := make([][]val, len(rows))
	for i := range rows {
		out[i] = rows[i][:]
	}
	return out
}

func lifecycleRows(rows [][klN]val) [][]val {
	out := make([][]val, len(rows))
	for i := range rows {
		out[i] = rows[i][:]
	}
	return out
}

// kuGroup and suGroup are a usage map's entries, gathered to be emitted
// (looking each key up again would hash it twice).
type (
	kuGroup struct {
		k kuKey
		t *tally
	}
	suGroup struct {
		k suKey
		t *tally
	}
)

func (a *Aggregator) emitKeyUse() error {
	groups := make([]kuGroup, 0, len(a.keyUse))
	for k, t := range a.keyUse {
		groups = append(groups, kuGroup{k, t})
	}
	return emitChunks(a, KeyUse, groups, func(x, y kuGroup) int { return compareKU(x.k, y.k) }, func(g kuGroup, out []val) []val {
		k, t := &g.k, g.t
		return append(out,
			strVal(k.key), strVal(k.typ), strVal(k.arn), strVal(k.user), strVal(k.acct), strVal(k.recip),
			val{n: int64(k.day), ok: true}, strVal(k.source), strVal(k.region), strVal(k.ip), strVal(k.agent),
			val{n: t.calls, ok: true}, val{n: t.first, ok: true}, val{n: t.last, ok: true})
	})
}

func (a *Aggregator) emitSessionUse() error {
	groups := make([]suGroup, 0, len(a.sessionUse))
	for k, t := range a.sessionUse {
		groups = append(groups, suGroup{k, t})
	}
	return emitChunks(a, SessionUse, groups, func(x, y suGroup) int { return compareSU(x.k, y.k) }, func(g suGroup, out []val) []val {
		k, t := &g.k, g.t
		console := val{ok: true}
		if k.console {
			console.n = 1
		}
		return append(out,
			strVal(k.key), strVal(k.typ), strVal(k.arn), strVal(k.user), strVal(k.acct),
			strVal(k.issType), strVal(k.issARN), val{n: k.created, ok: k.created != 0}, strVal(k.srcID),
			strVal(k.invokedBy), strVal(k.recip), console,
			val{n: t.calls, ok: true}, val{n: t.first, ok: true}, val{n: t.last, ok: true})
	})
}

// emitChunks emits the groups of a usage map, BatchRows at a time, so
// that only one batch of rows is ever materialised. Sorted output sorts
// the groups by their rows (the grain comes first, and is unique per map).
func emitChunks[K any](a *Aggregator, t Table, keys []K, compare func(x, y K) int, row func(K, []val) []val) error {
	if a.opts.Sorted {
		slices.SortFunc(keys, compare)
	}
	sorted := a.opts.Sorted
	a.opts.Sorted = false // the chunks are in order already
	defer func() { a.opts.Sorted = sorted }()
	width := len(Columns(t))
	n := min(len(keys), a.opts.BatchRows)
	rows := make([][]val, 0, n)
	flat := make([]val, 0, n*width)
	for len(keys) > 0 {
		n := min(len(keys), a.opts.BatchRows)
		rows, flat = rows[:0], flat[:0]
		for _, k := range keys[:n] {
			start := len(flat)
			flat = row(k, flat)
			rows = append(rows, flat[start:len(flat):len(flat)])
		}
		keys = keys[n:]
		if err := a.emitRows(t, rows); err != nil {
			return err
		}
	}
	return nil
}

// compareKU and compareSU order grain keys as compareRows orders their
// rows: a string's null is "", which sorts first either way; a null time
// is 0 and sorts before every time.
func compareKU(x, y kuKey) int {
	return cmp.Or(strings.Compare(x.key, y.key), strings.Compare(x.typ, y.typ), strings.Compare(x.arn, y.arn),
		strings.Compare(x.user, y.user), strings.Compare(x.acct, y.acct), strings.Compare(x.recip, y.recip),
		cmp.Compare(x.day, y.day), strings.Compare(x.source, y.source), strings.Compare(x.region, y.region),
		strings.Compare(x.ip, y.ip), strings.Compare(x.agent, y.agent))
}

func compareSU(x, y suKey) int {
	return cmp.Or(strings.Compare(x.key, y.key), strings.Compare(x.typ, y.typ), strings.Compare(x.arn, y.arn),
		strings.Compare(x.user, y.user), strings.Compare(x.acct, y.acct), strings.Compare(x.issType, y.issType),
		strings.Compare(x.issARN, y.issARN), compareTime(x.created, y.created), strings.Compare(x.srcID, y.srcID),
		strings.Compare(x.invokedBy, y.invokedBy), strings.Compare(x.recip, y.recip), compareBool(x.console, y.console))
}

func compareTime(x, y int64) int {
	if (x == 0) != (y == 0) {
		if x == 0 {
			return -1
		}
		return 1
	}
	return cmp.Compare(x, y)
}

func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// compareRows orders rows column by column: null first, then by value.
func compareRows(x, y []val) int {
	for c := range x {
		a, b := x[c], y[c]
		if a.ok != b.ok {
			if !a.ok {
				return -1
			}
			return 1
		}
		if r := cmp.Or(strings.Compare(a.s, b.s), cmp.Compare(a.n, b.n)); r != 0 {
			return r
		}
	}
	return 0
}

// emitRows builds records of table t from rows and hands them to every
// sink, releasing them after.
func (a *Aggregator) emitRows(t Table, rows [][]val) error {
	if len(rows) == 0 {
		return nil
	}
	if a.opts.Sorted {
		slices.SortFunc(rows, compareRows)
	}
	for len(rows) > 0 {
		n := min(len(rows), a.opts.BatchRows)
		rec := buildRecord(a.mem, t, rows[:n])
		rows = rows[n:]
		for _, s := range a.sinks {
			if err := s.Facts(t, rec); err != nil {
				rec.Release()
				return err
			}
		}
		a.rows[t] += rec.NumRows()
		rec.Release()
	}
	return nil
}

// buildRecord makes one record of table t. The caller releases it.
func buildRecord(mem memory.Allocator, t Table, rows [][]val) arrow.Record {
	b := array.NewRecordBuilder(mem, Schema(t))
	defer b.Release()
	for c, col := range Columns(t) {
		switch fb := b.Field(c).(type) {
		case *array.StringBuilder:
			fb.Reserve(len(rows))
			bytes := 0
			for _, r := range rows {
				bytes += len(r[c].s)
			}
			fb.ReserveData(bytes)
			for _, r := range rows {
				if r[c].ok && r[c].s != "" {
					fb.Append(r[c].s)
				} else {
					fb.AppendNull()
				}
			}
		case *array.Int64Builder:
			fb.Reserve(len(rows))
			for _, r := range rows {
				if r[c].ok {
					fb.Append(r[c].n)
				} else {
					fb.AppendNull()
				}
			}
		case *array.Int32Builder:
			for _, r := range rows {
				fb.Append(int32(r[c].n))
			}
		case *array.Date32Builder:
			for _, r := range rows {
				fb.Append(arrow.Date32(r[c].n))
			}
		case *array.BooleanBuilder:
			for _, r := range rows {
				fb.Append(r[c].ok && r[c].n != 0)
			}
		default:
			panic("facts: no builder for column " + col.Name)
		}
	}
	return b.NewRecord()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
