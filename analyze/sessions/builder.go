package sessions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// ErrSchema is the cause of every error about an event record that does
// not have cloudtrail.EventSchema's columns. Errors about a fact record
// wrap facts.ErrSchema.
var ErrSchema = cloudtrail.ErrSchema

// Options configure a Builder. The zero value is ready to use.
type Options struct {
	// Mem and Facts configured the Aggregator Add used to group events
	// with; Add now shows events to the Builder in place (facts.Projector)
	// and allocates nothing, so they are ignored.
	Mem   memory.Allocator
	Facts facts.Options
}

// Builder collects per-key state from fact records (Facts), or from
// CloudTrail event records (Add, which shows them as one-event facts). It
// is not safe for concurrent use: call Facts or Add from one goroutine
// (the ingest engine's sink does), then Finish once.
type Builder struct {
	opts Options
	proj *facts.Projector // fed by Add, created by its first call; its sink is the Builder

	keys       map[string]*keyState // by temporary access key ID
	recipients map[string]struct{}  // every recipient account of the input
	strs       map[string]string    // interned strings
	principals map[string]string    // IAM user / root principalId -> smallest ARN
	issues     [][]issueRec         // every sts_issue row, replayed by Finish, in chunks of issueChunk
	ids        []byte               // the event, shared event and request IDs of issues (see keepID)
	rows       int64                // event records given to Add
}

var _ facts.Sink = (*Builder)(nil)

// keyState is the compact per-key state kept during the pass. Strings are
// interned; times are UTC milliseconds.
type keyState struct {
	issue    *issueRec // chosen issuing record, nil when none seen; set by Finish
	conflict bool      // another issuing record is not a copy of the chosen one

	home, away  int64 // uses logged in the caller's account / elsewhere
	first, last int64 // over uses
	used        bool

	// Identity of the uses, lexicographically smallest tuple (order independent).
	usedARN, usedType, usedAccount string
	usedCreated                    int64  // sessionContext.attributes.creationDate
	usedRole, usedSourceIdentity   string // sessionIssuer.arn when it is a role; sourceIdentity
	consoleMark                    bool   // a use carries a console-session marker
	direct                         bool   // a use not invoked by an AWS service on the caller's behalf
}

// DefaultMaxGroups is Options.Facts.MaxGroups when unset: Add's
// Aggregator hands its session_use groups and sts_issue rows to the
// Builder at least this often, so that they are not held twice (the
// Builder keeps its own per-key state); folding partial groups is cheap.
const DefaultMaxGroups = 1 << 14

// New returns an empty Builder. At most one Options is used.
func New(opts ...Options) *Builder {
	b := &Builder{
		keys:       make(map[string]*keyState),
		recipients: make(map[string]struct{}),
		strs:       make(map[string]string),
		principals: make(map[string]string),
	}
	if len(opts) > 0 {
		b.opts = opts[0]
	}
	if b.opts.Mem == nil {
		b.opts.Mem = memory.DefaultAllocator
	}
	b.opts.Facts.Sorted = false // folds need no order
	if b.opts.Facts.MaxGroups == 0 {
		b.opts.Facts.MaxGroups = DefaultMaxGroups
	}
	// Facts ignores these tables: the Aggregator need not build them.
	b.opts.Facts.Skip = append(slices.Clip(b.opts.Facts.Skip), facts.KeyUse, facts.KeyLifecycle)
	return b
}

// intern returns a copy of s owned by the Builder, shared by equal strings.
// The copy matters: values read from an Arrow array alias its buffers,
// which the Builder must not retain.
func (b *Builder) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := b.strs[s]; ok {
		return v
	}
	v := strings.Clone(s)
	b.strs[v] = v
	return v
}

func (b *Builder) state(key string) *keyState {
	st := b.keys[key]
	if st == nil {
		st = &keyState{}
		b.keys[strings.Clone(key)] = st
	}
	return st
}

// Add reads one event record (schema cloudtrail.EventSchema; extra columns
// after the schema's are ignored) as facts: a facts.Projector shows each
// event to FactView as one-event fact rows, read in place. It does not
// retain rec: the caller keeps ownership and may release it as soon as
// Add returns. Events given to Add must not also be given, as facts, to
// Facts: they would count twice.
func (b *Builder) Add(rec arrow.Record) error {
	if b.proj == nil {
		b.proj = facts.NewProjector([]facts.ViewSink{b})
	}
	if err := b.proj.Events(rec); err != nil {
		return fmt.Errorf("sessions: record %d: %w", b.rows, err)
	}
	b.rows++
	return nil
}

// Events is Add under the name of ingest.EventSink, so that a Builder can
// be the sink of an ingest Run (or one of several sinks fed in turn).
func (b *Builder) Events(rec arrow.Record) error { return b.Add(rec) }

// FactTables are the tables the Builder reads (facts.TableReader).
func (b *Builder) FactTables() []facts.Table {
	return []facts.Table{facts.SessionUse, facts.STSIssue, facts.Principals, facts.EventAccounts}
}

// Facts folds one fact record (facts.Sink): session_use into the keys'
// use state, sts_issue into a buffer that Finish replays in a canonical
// order, principals and event_accounts into the names and accounts
// Finish needs. key_use, key_lifecycle and manifest are not read. Records
// of any table may come in any order and in any grouping: repeated grain
// rows fold. It does not retain rec.
func (b *Builder) Facts(t facts.Table, rec arrow.Record) error {
	switch t {
	case facts.KeyUse, facts.KeyLifecycle, facts.Manifest:
		return nil
	}
	v, err := facts.NewView(t, rec)
	if err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	return b.FactView(v)
}

// FactView folds the rows of one fact view (facts.ViewSink): Facts
// checks a record into one, a facts.Projector shows events as one.
func (b *Builder) FactView(v *facts.View) error {
	switch v.Table {
	case facts.SessionUse:
		for i := 0; i < v.N; i++ {
			b.foldUse(v, i)
		}
	case facts.STSIssue:
		for i := 0; i < v.N; i++ {
			b.bufferIssue(v, i)
		}
	case facts.Principals:
		for i := 0; i < v.N; i++ {
			// Remember who each principal ID is: a cross-account copy of a
			// call may name its caller by principal ID only (type AWSAccount).
			if id, arn := v.Str(facts.PRPrincipalID, i), v.Str(facts.PRARN, i); id != "" && arn != "" {
				if old, ok := b.principals[id]; !ok || arn < old {
					b.principals[b.intern(id)] = b.intern(arn)
				}
			}
		}
	case facts.EventAccounts:
		for i := 0; i < v.N; i++ {
			if r := v.Str(facts.EARecipient, i); r != "" {
				if _, ok := b.recipients[r]; !ok {
					b.recipients[strings.Clone(r)] = struct{}{}
				}
			}
		}
	}
	return nil
}

func isTemporary(key string) bool { return facts.IsTemporary(key) }

// signinService is the invokedBy of a console sign-in's calls (the other
// console markers are in session_use.console_hint).
const signinService = "signin.amazonaws.com"

// foldUse folds one session_use row: calls signed with a temporary key by
// one identity, logged in one recipient account.
func (b *Builder) foldUse(v *facts.View, i int) {
	key := v.Str(facts.SUAccessKeyID, i)
	if !isTemporary(key) {
		return // not a session key: the producer's filter, kept by the reader
	}
	st := b.state(key)
	firstUse := !st.used
	if first := v.Int(facts.SUFirst, i); firstUse || first < st.first {
		st.first = first
	}
	if last := v.Int(facts.SULast, i); firstUse || last > st.last {
		st.last = last
	}
	st.used = true

	calls := v.Int(facts.SUCalls, i)
	acct := v.Str(facts.SUAccountID, i)
	if r := v.Str(facts.SURecipient, i); r == "" || r == acct {
		st.home += calls
	} else {
		st.away += calls
	}

	invokedBy := v.Str(facts.SUInvokedBy, i)
	if invokedBy == "" {
		st.direct = true
	}
	if v.Bool(facts.SUConsoleHint, i) || invokedBy == signinService {
		st.consoleMark = true
	}

	arn, typ := v.Str(facts.SUARN, i), v.Str(facts.SUType, i)
	created := v.Int(facts.SUCreationDate, i)
	role := ""
	if v.Str(facts.SUIssuerType, i) == "Role" {
		role = v.Str(facts.SUIssuerARN, i)
	}
	srcID := v.Str(facts.SUSourceIdentity, i)
	if firstUse || lessIdentity(arn, typ, acct, created, role, srcID, st) {
		st.usedARN, st.usedType, st.usedAccount = b.intern(arn), b.intern(typ), b.intern(acct)
		st.usedCreated, st.usedRole, st.usedSourceIdentity = created, b.intern(role), b.intern(srcID)
	}
}

// lessIdentity orders using identities so that the kept one does not
// depend on record order: non-empty before empty, then lexicographic.
func lessIdentity(arn, typ, acct string, created int64, role, srcID string, st *keyState) bool {
	a := [...]string{arn, typ, acct, role, srcID}
	o := [...]string{st.usedARN, st.usedType, st.usedAccount, st.usedRole, st.usedSourceIdentity}
	for j := range a {
		if a[j] != o[j] {
			switch {
			case a[j] == "":
				return false
			case o[j] == "":
				return true
			}
			return a[j] < o[j]
		}
	}
	if created != st.usedCreated {
		return st.usedCreated == 0 || created != 0 && created < st.usedCreated
	}
	return false
}
