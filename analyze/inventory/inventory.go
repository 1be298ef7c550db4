package inventory

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/analyze/keyid"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// Key statuses. Active and Inactive are IAM's spelling.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
	StatusDeleted  = "Deleted"
	StatusUnknown  = "unknown"
)

// Slot resolution rules, the values of Key.ResolvedBy (see the package
// documentation). "" means the slot is unknown.
const (
	ByCreateDate  = "create_date"
	BySingleSlot  = "single_slot"
	ByElimination = "elimination"
	ByLastUsed    = "last_used"
)

// Sources of a Key, joined by "+" in Key.Source in this order.
const (
	SourceReport          = "credential-report" // an existing slot of a credential report
	SourceCloudTrail      = "cloudtrail"        // used or managed in the logs
	SourceCredentialsFile = "credentials-file"  // a key ID of a credentials file
)

// Key is one long-term access key: seen in the logs, in an existing slot
// of a credential report (AccessKeyID "" when no key seen in the logs is
// tied to the slot), or named in a credentials file. Zero times are nulls.
type Key struct {
	AccountID   string // owner: userIdentity.accountId, the caller's account of lifecycle calls, else the decoded account
	User        string // IAM user name; RootUser for a root key; "" for a key known from a credentials file only
	AccessKeyID string // "" for a report slot whose key ID is not known
	Slot        int    // 1 or 2; 0 when unknown
	Status      string // StatusActive, StatusInactive, StatusDeleted or StatusUnknown
	Created     time.Time
	LastUsed    time.Time // the later of CloudTrail's last use and the report's last_used of the resolved slot
	EventCount  int64     // distinct API calls made with the key (see copies)
	FirstSeen   time.Time // first use in CloudTrail
	LastSeen    time.Time // last use in CloudTrail
	ResolvedBy  string    // slot rule; "" when Slot is 0

	CreatedBy        string // ARN of the CreateAccessKey caller
	DeletedAt        time.Time
	DeletedBy        string
	LastStatusChange time.Time // last successful UpdateAccessKey
	SourceIPs        int64     // distinct source IPs (an upper bound when SourceIPsExact is false)
	SourceIPsExact   bool
	DecodedAccount   string // account decoded from the key ID; "" when it cannot be
	ARN              string // userIdentity.arn of its uses
	IsRoot           bool
	Note             string // why a slot stayed unknown, decode problems, …

	TopSourceIPs  []Count // most frequent source IPs, up to Options.TopN
	TopUserAgents []Count

	Source string // where the key is known from: SourceReport, SourceCloudTrail, SourceCredentialsFile, joined by "+"
}

// SlotString is the key_slot value of k: "1", "2" or "unknown".
func (k Key) SlotString() string { return SlotString(k.Slot) }

// Inventory is the result of a Builder: the keys, the users, and what the
// rules need.
type Inventory struct {
	Keys     []Key // sorted by account, user, key ID
	Accounts []string
	Events   int64

	opts     Options
	bySlot   map[slotRef]string
	byID     map[string]int // index into Keys
	aggs     map[string]*keyAgg
	users    map[userRef]*userState
	limits   map[userRef]*limitAgg
	others   []*otherKey
	inInput  map[string]bool // caller accounts among the recipient accounts
	accounts map[string]bool
}

type slotRef struct {
	account, user string
	slot          int
}

// userState is one user: its report row (if any) and its keys.
type userState struct {
	ref       userRef
	row       *credreport.Row
	generated time.Time // report generation time; zero when unknown
	keys      []*keyAgg
	slot      map[*keyAgg]int
	by        map[*keyAgg]string
	note      map[*keyAgg]string
}

// SlotKeyID returns the ID of the key resolved to slot (1 or 2) of the user
// of account, or "" when no key was resolved to it. Its signature fits
// analyze.SetAccessKeyIDs.
func (inv *Inventory) SlotKeyID(account, user string, slot int) string {
	if inv == nil {
		return ""
	}
	return inv.bySlot[slotRef{account, user, slot}]
}

// Key returns the key with that ID ("" finds nothing: report slots
// without a key ID are in Keys only).
func (inv *Inventory) Key(id string) (Key, bool) {
	if inv == nil || id == "" {
		return Key{}, false
	}
	i, ok := inv.byID[id]
	if !ok {
		return Key{}, false
	}
	return inv.Keys[i], true
}

// Finish resolves key slots against the credential reports (the newest per
// account; nil entries are ignored) and returns the inventory. It first
// closes Add's facts.Aggregator and replays the key_lifecycle rows in their
// canonical order. The Builder must not be used afterwards.
func (b *Builder) Finish(reports []*credreport.Report) *Inventory {
	b.finishFacts()
	opts := b.opts
	opts.Mem = nil // Add's; the records of an Inventory come from the allocator their methods are given
	inv := &Inventory{
		opts:     opts,
		bySlot:   map[slotRef]string{},
		byID:     map[string]int{},
		aggs:     b.keys,
		users:    map[userRef]*userState{},
		limits:   b.limits,
		inInput:  map[string]bool{},
		accounts: map[string]bool{},
		Events:   b.events,
	}
	for a := range b.recipients {
		inv.accounts[a] = true
	}
	user := func(ref userRef) *userState {
		u := inv.users[ref]
		if u == nil {
			u = &userState{ref: ref, slot: map[*keyAgg]int{}, by: map[*keyAgg]string{}, note: map[*keyAgg]string{}}
			inv.users[ref] = u
		}
		return u
	}
	for _, r := range reports {
		if r == nil {
			continue
		}
		if r.AccountID != "" {
			inv.accounts[r.AccountID] = true
		}
		for ri := range r.Rows {
			row := &r.Rows[ri]
			acct := cmp.Or(row.AccountID, r.AccountID)
			if acct == "" || row.User == "" {
				continue
			}
			inv.accounts[acct] = true
			u := user(userRef{acct, row.User})
			if u.row == nil || r.GeneratedTime.After(u.generated) {
				u.row, u.generated = row, r.GeneratedTime
			}
		}
	}
	for _, k := range b.keys {
		if k.account.v == "" || k.user.v == "" {
			continue
		}
		u := user(userRef{k.account.v, k.user.v})
		u.keys = append(u.keys, k)
	}
	for _, u := range inv.users {
		slices.SortFunc(u.keys, func(a, b *keyAgg) int { return strings.Compare(a.id, b.id) })
		u.resolve()
		for k, s := range u.slot {
			if s != 0 {
				inv.bySlot[slotRef{u.ref.account, u.ref.user, s}] = k.id
			}
		}
	}
	for a := range inv.accounts {
		if b.recipients[a] {
			inv.inInput[a] = true
		}
	}
	for _, k := range b.keys {
		row := inv.keyRow(k)
		row.Source = joinSources(row.Slot != 0, true, b.fileKeys[k.id])
		inv.Keys = append(inv.Keys, row)
	}
	for id := range b.fileKeys {
		if b.keys[id] == nil {
			inv.Keys = append(inv.Keys, fileKeyRow(id))
		}
	}
	for _, u := range inv.users {
		inv.Keys = append(inv.Keys, inv.slotRows(u)...)
	}
	slices.SortFunc(inv.Keys, func(a, b Key) int {
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.User, b.User),
			strings.Compare(a.AccessKeyID, b.AccessKeyID), cmp.Compare(a.Slot, b.Slot))
	})
	for i, k := range inv.Keys {
		if k.AccessKeyID != "" {
			inv.byID[k.AccessKeyID] = i
		}
	}
	for a := range inv.accounts {
		inv.Accounts = append(inv.Accounts, a)
	}
	slices.Sort(inv.Accounts)
	for _, o := range b.others {
		if o.foreign {
			inv.others = append(inv.others, o)
		}
	}
	slices.SortFunc(inv.others, func(a, b *otherKey) int { return strings.Compare(a.id, b.id) })
	return inv
}

// callerInInput reports whether the account of k's callers is among the
// recipient accounts of the input (see copies).
func (inv *Inventory) callerInInput(k *keyAgg) bool {
	return inv.inInput[k.account.v]
}

func (inv *Inventory) keyRow(k *keyAgg) Key {
	in := inv.callerInInput(k)
	out := Key{
		AccountID:   k.account.v,
		User:        k.user.v,
		AccessKeyID: k.id,
		EventCount:  k.uses.n(in),
		FirstSeen:   msTime(k.first),
		LastSeen:    msTime(k.last),
		CreatedBy:   k.createdBy,
		DeletedAt:   msTime(k.deletedAt),
		DeletedBy:   k.deletedBy,
		ARN:         k.arn.v,
		IsRoot:      k.isRoot,
		Created:     msTime(k.createDate),

		DecodedAccount:   k.decoded.Account,
		LastStatusChange: msTime(k.statusAt),
	}
	out.SourceIPs, out.SourceIPsExact = k.ips.distinct()
	out.TopSourceIPs = k.ips.top(inv.opts.topN(), in, 0)
	out.TopUserAgents = k.agents.top(inv.opts.topN(), in, 0)
	var notes []string
	if k.decErr != "" {
		notes = append(notes, "key ID "+strings.TrimPrefix(k.decErr, "invalid AWS identifier: "))
	} else if k.decoded.NoAccountReason != "" {
		notes = append(notes, "account "+k.decoded.NoAccountReason)
	} else if k.decoded.Account != k.account.v && k.account.v != "" {
		notes = append(notes, "key ID decodes to account "+k.decoded.Account+", not the owner named in the events")
	}
	if len(k.callerAccounts) > 1 {
		notes = append(notes, "used under several caller accounts")
	}

	var slotState *credreport.KeySlot
	u := inv.users[userRef{k.account.v, k.user.v}]
	if u != nil {
		if s := u.slot[k]; s != 0 {
			out.Slot, out.ResolvedBy = s, u.by[k]
			slotState = &u.row.Keys[s-1]
		}
		if n := u.note[k]; n != "" {
			notes = append(notes, n)
		}
	}
	if out.Created.IsZero() && slotState != nil {
		out.Created = slotState.LastRotated
	}
	out.LastUsed = out.LastSeen
	if slotState != nil && slotState.LastUsed.After(out.LastUsed) {
		out.LastUsed = slotState.LastUsed
	}
	// Status: deletion is final; then the report's slot, unless a status
	// change came after the report was generated; then the last status
	// change; then Active for a key created or used.
	switch {
	case k.deletedAt != 0:
		out.Status = StatusDeleted
	case slotState != nil && !(k.statusAt != 0 && !u.generated.IsZero() && msTime(k.statusAt).After(u.generated)):
		out.Status = StatusInactive
		if slotState.Active {
			out.Status = StatusActive
		}
	case k.status != "":
		out.Status = k.status
	case k.createdAt != 0 || k.first != 0:
		out.Status = StatusActive
	default:
		out.Status = StatusUnknown
	}
	out.Note = strings.Join(notes, "; ")
	return out
}

// slotRows lists the existing slots of u's report row (active, or with a
// last rotation) that no key of the logs is tied to: the report knows
// them, CloudTrail names no ID for them.
func (inv *Inventory) slotRows(u *userState) []Key {
	if u.row == nil {
		return nil
	}
	var unplaced []string
	for _, k := range u.keys {
		if u.slot[k] == 0 && k.deletedAt == 0 {
			unplaced = append(unplaced, k.id)
		}
	}
	var out []Key
	for s := 1; s <= 2; s++ {
		st := u.row.Keys[s-1]
		if !st.Exists && !st.Active || inv.bySlot[slotRef{u.ref.account, u.ref.user, s}] != "" {
			continue
		}
		k := Key{
			AccountID: u.ref.account, User: u.ref.user, Slot: s, Status: StatusInactive,
			Created: st.LastRotated, LastUsed: st.LastUsed, ARN: u.row.ARN, IsRoot: u.row.IsRoot || u.ref.user == RootUser,
			SourceIPsExact: true, Source: SourceReport,
			Note: "key ID unknown: no key in the logs is tied to this slot",
		}
		if st.Active {
			k.Status = StatusActive
		}
		if len(unplaced) > 0 {
			k.Note += "; the user's " + strings.Join(unplaced, ", ") + " could not be placed (see their notes)"
		}
		out = append(out, k)
	}
	return out
}

// fileKeyRow is a key known only from a credentials file: its ID, and the
// account decoded from it.
func fileKeyRow(id string) Key {
	k := Key{AccessKeyID: id, Status: StatusUnknown, SourceIPsExact: true, Source: SourceCredentialsFile,
		Note: "only the key ID is known, from a credentials file; it is in no log or report slot"}
	info, err := keyid.Lookup(id)
	switch {
	case err != nil:
		k.Note += "; key ID " + strings.TrimPrefix(err.Error(), "invalid AWS identifier: ")
	case info.Account != "":
		k.AccountID, k.DecodedAccount = info.Account, info.Account
	default:
		k.Note += "; account " + info.NoAccountReason
	}
	return k
}

// joinSources is the Key.Source of a key in a report slot, the logs, a
// credentials file.
func joinSources(report, cloudtrail, file bool) string {
	var s []string
	if report {
		s = append(s, SourceReport)
	}
	if cloudtrail {
		s = append(s, SourceCloudTrail)
	}
	if file {
		s = append(s, SourceCredentialsFile)
	}
	return strings.Join(s, "+")
}

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
