package inventory

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze/keyid"
	"github.com/keyaudit/keyaudit/facts"
)

// Options configure a Builder. The zero value is ready to use.
type Options struct {
	// TopN is how many source IPs and user agents are reported per key;
	// 0 means 10. Counts are exact (see MaxValues).
	TopN int
	// MaxValues bounds the distinct source IPs and user agents a key keeps
	// exactly, per dimension; 0 means DefaultMaxValues. Past it only the
	// MaxValues smallest values are kept, the rest are counted together
	// under OtherValue and the key's SourceIPsExact is false: the only
	// approximate path, against hostile input. Which values are kept does
	// not depend on the order of the input.
	MaxValues int
	// Mem is the allocator of the fact records Add makes (through its
	// facts.Aggregator); nil means memory.DefaultAllocator.
	Mem memory.Allocator
}

// DefaultMaxValues is Options.MaxValues when unset.
const DefaultMaxValues = 100_000

func (o Options) topN() int {
	if o.TopN <= 0 {
		return 10
	}
	return o.TopN
}

func (o Options) maxValues() int {
	if o.MaxValues <= 0 {
		return DefaultMaxValues
	}
	return o.MaxValues
}

// Builder folds fact records (package facts) into per-key aggregates: its
// memory grows with the number of distinct keys (and, for rotation, with
// the number of days each key was used, and with its distinct source IPs
// and user agents up to Options.MaxValues), never with the number of fact
// rows or events. It is a facts.Sink; Add is a convenience that turns
// events into facts first. Facts and Add are called from one goroutine.
type Builder struct {
	opts Options
	keys map[string]*keyAgg // long-term (AKIA) keys used or managed in the logs

	// others holds keys of other kinds (ASIA, or AKIA under an identity
	// type other than IAMUser and Root), each with the account decoded
	// from its ID ("" when it cannot be: such a key is never reported).
	// foreign-key reports those some row shows used by a caller of
	// another account.
	others map[string]*otherKey

	recipients map[string]bool // recipient_account_id values
	limits     map[userRef]*limitAgg
	events     int64           // event_accounts.events folded
	fileKeys   map[string]bool // key IDs of credentials files
	life       []lifeRow       // key_lifecycle rows, replayed in canonical order by Finish
	strs       interner

	proj *facts.Projector // Add's producer
}

var _ facts.Sink = (*Builder)(nil)

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
	first, last      int64 // times of uses, Unix ms; 0 = none
	lastRegion       string
	lastService      string
	callerAccounts   map[string]bool // accounts the key's callers named (normally one)
	lastCaller       string          // the last one added to callerAccounts: most rows have it
	days             map[int32]*dayCount
	ips, agents      *valueCounts
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
	decoded            string // "": cannot be decoded, never reported
	foreign            bool   // some row's caller account is not the decoded one
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

// interner keeps one copy of each string the Builder keeps from records
// (whose strings alias Arrow buffers). Only bounded sets go in it: key
// IDs, accounts, services, regions, lifecycle values.
type interner map[string]string

func (s interner) in(v string) string {
	if v == "" {
		return ""
	}
	if x, ok := s[v]; ok {
		return x
	}
	x := strings.Clone(v)
	s[x] = x
	return x
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
		limits:     map[userRef]*limitAgg{},
		fileKeys:   map[string]bool{},
		strs:       interner{},
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
	id = b.strs.in(id)
	k := &keyAgg{id: id, callerAccounts: map[string]bool{}, days: map[int32]*dayCount{}}
	if info, err := keyid.Decode(id); err != nil {
		k.decErr = err.Error()
	} else {
		k.decoded = info
	}
	b.keys[id] = k
	return k
}

// Events returns the number of events folded so far: those of the
// event_accounts rows given to Facts and shown by Add.
func (b *Builder) Events() int64 { return b.events }

// Add folds the events of rec (schema cloudtrail.EventSchema) into the
// aggregates, as facts: a facts.Projector shows each event to FactView as
// one-event fact rows (read in place, nothing grouped or copied). It does
// not retain rec; the caller keeps ownership. It fails, with an error
// wrapping ErrEventSchema, on a record of another schema.
//
// A Builder given both the events (Add) and the facts of the same events
// (Facts) counts them twice: feed it one or the other.
func (b *Builder) Add(rec arrow.Record) error {
	if b.proj == nil {
		b.proj = facts.NewProjector([]facts.ViewSink{b})
	}
	return b.proj.Events(rec)
}

// Facts folds one fact record (canonical schema of table t, as
// facts.NewView checks) into the aggregates; it is the Builder's
// facts.Sink method. It reads key_use, session_use, key_lifecycle and
// event_accounts, and ignores sts_issue, principals and manifest. It does
// not retain rec. Rows may come in any order, in any grouping (repeated
// grain rows are folded): the result is the same.
func (b *Builder) Facts(t facts.Table, rec arrow.Record) error {
	switch t {
	case facts.KeyUse, facts.SessionUse, facts.KeyLifecycle, facts.EventAccounts:
	default:
		return nil
	}
	v, err := facts.NewView(t, rec)
	if err != nil {
		return fmt.Errorf("inventory: %w", err)
	}
	return b.FactView(v)
}

// FactTables are the tables the Builder reads (facts.TableReader).
func (b *Builder) FactTables() []facts.Table {
	return []facts.Table{facts.KeyUse, facts.SessionUse, facts.KeyLifecycle, facts.EventAccounts}
}

// FactView folds the rows of one fact view (facts.ViewSink): Facts
// checks a record into one, a facts.Projector shows events as one.
func (b *Builder) FactView(v *facts.View) error {
	switch v.Table {
	case facts.KeyUse:
		b.keyUse(v)
	case facts.SessionUse:
		b.sessionUse(v)
	case facts.KeyLifecycle:
		b.bufferLifecycle(v)
	case facts.EventAccounts:
		for i := 0; i < v.N; i++ {
			if r := v.Str(facts.EARecipient, i); r != "" && !b.recipients[r] {
				b.recipients[b.strs.in(r)] = true
			}
			b.events += v.Int(facts.EAEvents, i)
		}
	}
	return nil
}

// finishFacts closes Add's Aggregator (its last rows come to Facts),
// replays the lifecycle rows and settles the value tables.
func (b *Builder) finishFacts() {
	b.replayLifecycle()
	for _, k := range b.keys {
		k.ips.finish()
		k.agents.finish()
	}
}

// arnAccount is the account field of an ARN (arn:partition:service:region:
// account:resource), or "" when it is not 12 digits. The result aliases
// arn.
func arnAccount(arn string) string {
	rest, ok := strings.CutPrefix(arn, "arn:")
	for range 3 { // partition, service, region
		i := strings.IndexByte(rest, ':')
		if !ok || i < 0 {
			return ""
		}
		rest = rest[i+1:]
	}
	i := strings.IndexByte(rest, ':')
	if i != 12 {
		return ""
	}
	for _, c := range rest[:i] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return rest[:i]
}
