package inventory

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// Rotation is the rotation status of one user that holds two keys: which
// is older, whether the older one is still in use since the newer one was
// created, and the next step of AWS's documented procedure (create a
// second key, update the applications, confirm the old key is unused,
// deactivate it, delete it). Zero times are nulls.
type Rotation struct {
	AccountID, User, ARN string

	OldKey      string // "" when the slot's key ID is unknown
	OldSlot     int    // 0 when unknown
	OldStatus   string
	OldCreated  time.Time
	OldLastUsed time.Time
	NewKey      string
	NewSlot     int
	NewStatus   string
	NewCreated  time.Time
	NewLastUsed time.Time

	// OldCallsSinceNew counts the old key's calls at or after NewCreated;
	// -1 when the old key's ID is unknown. Uses are kept per day, so when
	// the old key was used both before and after the creation on that
	// day, that day's calls are left out and OldCallsExact is false.
	OldCallsSinceNew int64
	OldCallsExact    bool
	// Source IPs and user agents that used the old key at or after
	// NewCreated, most frequent first, with their total counts.
	OldSourceIPs  []Count
	OldUserAgents []Count
	NextStep      string
}

// side is one key of a pair.
type side struct {
	slot     int
	key      *keyAgg // nil when the slot's key ID is unknown
	created  time.Time
	status   string
	lastUsed time.Time
}

// pair is a user holding two keys, old first.
type pair struct {
	ref      userRef
	arn      string
	old, new side
}

// pairs finds every user that holds two keys: two existing slots in the
// report (unless the logs show one deleted since); one existing slot and
// exactly one live key created after it (CreateAccessKey seen); or, with
// no slot in a report, two live keys in the logs whose order of creation
// is known.
func (inv *Inventory) pairs() []pair {
	var out []pair
	for ref, u := range inv.users {
		p := pair{ref: ref}
		if u.row != nil {
			p.arn = u.row.ARN
		}
		var sides []side
		switch n := u.existingSlots(); {
		case n == 2:
			for s := 1; s <= 2; s++ {
				sides = append(sides, inv.slotSide(u, s))
			}
		case n == 1:
			// A report with one key, and a key created since: the
			// rotation started after the report.
			s := 1
			if !u.row.Keys[0].Exists {
				s = 2
			}
			rotated := u.row.Keys[s-1].LastRotated
			var extra []side
			for _, k := range u.keys {
				row := inv.Keys[inv.byID[k.id]]
				if row.Status == StatusDeleted || u.slot[k] != 0 || k.createDate == 0 ||
					sameSecond(msTime(k.createDate), rotated) || !msTime(k.createDate).After(rotated) {
					continue
				}
				extra = append(extra, side{key: k, created: row.Created, status: row.Status, lastUsed: row.LastUsed})
			}
			if len(extra) == 1 {
				sides = []side{inv.slotSide(u, s), extra[0]}
			}
		default:
			for _, k := range u.keys {
				row := inv.Keys[inv.byID[k.id]]
				if row.Status == StatusDeleted {
					continue
				}
				sides = append(sides, side{slot: row.Slot, key: k, created: row.Created, status: row.Status, lastUsed: row.LastUsed})
			}
		}
		if len(sides) != 2 || sides[0].status == StatusDeleted || sides[1].status == StatusDeleted {
			continue
		}
		a, b := sides[0], sides[1]
		switch {
		case !a.created.IsZero() && !b.created.IsZero():
			if b.created.Before(a.created) {
				a, b = b, a
			}
		case a.created.IsZero() && !b.created.IsZero() && a.key != nil && a.key.first != 0 && msTime(a.key.first).Before(b.created):
			// a was used before b existed: a is older.
		case b.created.IsZero() && !a.created.IsZero() && b.key != nil && b.key.first != 0 && msTime(b.key.first).Before(a.created):
			a, b = b, a
		default:
			continue // cannot tell which key is newer
		}
		p.old, p.new = a, b
		if p.arn == "" {
			for _, s := range []side{a, b} {
				if s.key != nil && s.key.arn.v != "" {
					p.arn = s.key.arn.v
					break
				}
			}
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b pair) int {
		return cmp.Or(strings.Compare(a.ref.account, b.ref.account), strings.Compare(a.ref.user, b.ref.user))
	})
	return out
}

func (u *userState) existingSlots() int {
	if u.row == nil {
		return 0
	}
	n := 0
	for _, k := range u.row.Keys {
		if k.Exists {
			n++
		}
	}
	return n
}

func (inv *Inventory) slotSide(u *userState, s int) side {
	st := u.row.Keys[s-1]
	sd := side{slot: s, created: st.LastRotated, lastUsed: st.LastUsed, status: StatusInactive}
	if st.Active {
		sd.status = StatusActive
	}
	for k, ks := range u.slot {
		if ks == s {
			row := inv.Keys[inv.byID[k.id]]
			sd.key, sd.status = k, row.Status
			if !row.Created.IsZero() {
				sd.created = row.Created
			}
			if row.LastUsed.After(sd.lastUsed) {
				sd.lastUsed = row.LastUsed
			}
		}
	}
	return sd
}

// Rotations returns the rotation status of every user holding two keys,
// sorted by account and user.
func (inv *Inventory) Rotations() []Rotation {
	var out []Rotation
	n := inv.opts.topN()
	for _, p := range inv.pairs() {
		r := Rotation{
			AccountID: p.ref.account, User: p.ref.user, ARN: p.arn,
			OldSlot: p.old.slot, OldStatus: p.old.status, OldCreated: p.old.created, OldLastUsed: p.old.lastUsed,
			NewSlot: p.new.slot, NewStatus: p.new.status, NewCreated: p.new.created, NewLastUsed: p.new.lastUsed,
			OldCallsSinceNew: -1,
		}
		if p.new.key != nil {
			r.NewKey = p.new.key.id
		}
		if k := p.old.key; k != nil {
			r.OldKey = k.id
			in := inv.callerInInput(k)
			since := p.new.created.UnixMilli()
			r.OldCallsSinceNew, r.OldCallsExact = 0, true
			for _, d := range k.days {
				switch {
				case d.min >= since:
					r.OldCallsSinceNew += d.c.n(in)
				case d.max >= since:
					r.OldCallsExact = false
				}
			}
			r.OldSourceIPs = k.ips.top(n, in, since)
			r.OldUserAgents = k.agents.top(n, in, since)
		}
		r.NextStep = nextStep(r)
		out = append(out, r)
	}
	return out
}

// BothActiveDays is the number of whole days both keys have been active,
// from the new key's creation to cfg.AsOf; false when they are not both
// active, the time is unknown, or the new key was created after cfg.AsOf
// (never a negative age).
func (r Rotation) BothActiveDays(cfg analyze.Config) (int64, bool) {
	if r.OldStatus != StatusActive || r.NewStatus != StatusActive {
		return 0, false
	}
	return analyze.DaysSince(cfg.AsOf, r.NewCreated)
}

// newAfterAsOf reports whether the newer key was created after cfg.AsOf.
func (r Rotation) newAfterAsOf(cfg analyze.Config) bool {
	return !cfg.AsOf.IsZero() && r.NewCreated.After(cfg.AsOf)
}

// Stalled reports whether both keys have been active longer than
// cfg.MaxRotation (zero is a window of zero): rotation-stalled's test.
func (r Rotation) Stalled(cfg analyze.Config) bool {
	if _, ok := r.BothActiveDays(cfg); !ok {
		return false
	}
	return cfg.AsOf.Sub(r.NewCreated) > cfg.MaxRotation
}

// oldStillUsed reports whether the old key was used at or after the new
// key's creation.
func (r Rotation) oldStillUsed() bool {
	return !r.OldLastUsed.IsZero() && !r.OldLastUsed.Before(r.NewCreated) || r.OldCallsSinceNew > 0
}

func nextStep(r Rotation) string {
	user := "--user-name " + r.User + " "
	if r.User == RootUser {
		user = ""
	}
	keyArg := func(id string, slot int) string {
		if id != "" {
			return id
		}
		if slot != 0 {
			return fmt.Sprintf("<key in slot %d>", slot)
		}
		return "<old key ID>"
	}
	old := keyArg(r.OldKey, r.OldSlot)
	switch {
	case r.OldStatus == StatusActive && r.NewStatus == StatusActive:
		switch {
		case r.oldStillUsed():
			return fmt.Sprintf("update applications: the old key was last used %s, after the new key was created; move its callers to the new key, then confirm the old key is unused",
				r.OldLastUsed.UTC().Format(time.RFC3339))
		case r.NewLastUsed.IsZero():
			return "update applications: the new key has not been used yet; switch applications to it, then confirm the old key is unused"
		default:
			return fmt.Sprintf("deactivate the old key: unused since the new key was created; aws iam update-access-key %s--access-key-id %s --status Inactive", user, old)
		}
	case r.OldStatus == StatusInactive && r.NewStatus == StatusActive:
		return fmt.Sprintf("delete the old key: it is inactive; once nothing has failed without it, aws iam delete-access-key %s--access-key-id %s", user, old)
	case r.OldStatus == StatusActive && r.NewStatus == StatusInactive:
		return "the newer key is inactive and the older one active: activate the new key and move applications to it, or delete the unused new key"
	case r.OldStatus == StatusInactive && r.NewStatus == StatusInactive:
		return fmt.Sprintf("both keys are inactive: delete the ones no longer needed, e.g. aws iam delete-access-key %s--access-key-id %s", user, old)
	}
	return "check the keys' status: it is not known"
}

// Column names of RotationSchema, in order.
const (
	RColAccountID        = "account_id"
	RColUser             = "user"
	RColARN              = "arn"
	RColOldKey           = "old_key"
	RColOldSlot          = "old_slot"
	RColOldStatus        = "old_status"
	RColOldCreated       = "old_created"
	RColOldLastUsed      = "old_last_used"
	RColNewKey           = "new_key"
	RColNewSlot          = "new_slot"
	RColNewStatus        = "new_status"
	RColNewCreated       = "new_created"
	RColNewLastUsed      = "new_last_used"
	RColOldCallsSinceNew = "old_calls_since_new"
	RColOldCallsExact    = "old_calls_since_new_exact"
	RColOldSourceIPs     = "old_source_ips"
	RColOldUserAgents    = "old_user_agents"
	RColNextStep         = "next_step"
	RColBothActiveDays   = "both_active_days"
	RColStalled          = "stalled"
)

// RotationSchema is the schema of RotationRecord. Slots are strings like
// key_slot in KeySchema; old_calls_since_new is null when the old key's ID
// is unknown; the source IP and user agent lists are "value (count)"
// joined by "; ", a "~" before a count that may be overestimated.
var RotationSchema = arrow.NewSchema([]arrow.Field{
	{Name: RColAccountID, Type: arrow.BinaryTypes.String},
	{Name: RColUser, Type: arrow.BinaryTypes.String},
	{Name: RColARN, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: RColOldKey, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: RColOldSlot, Type: arrow.BinaryTypes.String},
	{Name: RColOldStatus, Type: arrow.BinaryTypes.String},
	{Name: RColOldCreated, Type: credreport.Timestamp, Nullable: true},
	{Name: RColOldLastUsed, Type: credreport.Timestamp, Nullable: true},
	{Name: RColNewKey, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: RColNewSlot, Type: arrow.BinaryTypes.String},
	{Name: RColNewStatus, Type: arrow.BinaryTypes.String},
	{Name: RColNewCreated, Type: credreport.Timestamp, Nullable: true},
	{Name: RColNewLastUsed, Type: credreport.Timestamp, Nullable: true},
	{Name: RColOldCallsSinceNew, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: RColOldCallsExact, Type: arrow.FixedWidthTypes.Boolean},
	{Name: RColOldSourceIPs, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: RColOldUserAgents, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: RColNextStep, Type: arrow.BinaryTypes.String},
	{Name: RColBothActiveDays, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: RColStalled, Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// RotationRecord builds one record of RotationSchema from inv.Rotations().
// cfg gives the as-of time and rotation window of both_active_days and
// stalled (rotation-stalled's test); with a zero cfg.AsOf they are null and
// false. A newer key created after cfg.AsOf has a null both_active_days, and
// its next_step starts by saying so ("the newer key was created on
// 2026-12-02, after the as-of time; "). It allocates from mem; the caller releases the record.
func (inv *Inventory) RotationRecord(mem memory.Allocator, cfg analyze.Config) arrow.Record {
	rb := newRowBuilder(mem, RotationSchema)
	defer rb.release()
	for _, r := range inv.Rotations() {
		rb.str(r.AccountID)
		rb.str(r.User)
		rb.str(r.ARN)
		rb.str(r.OldKey)
		rb.str(SlotString(r.OldSlot))
		rb.str(r.OldStatus)
		rb.ts(r.OldCreated)
		rb.ts(r.OldLastUsed)
		rb.str(r.NewKey)
		rb.str(SlotString(r.NewSlot))
		rb.str(r.NewStatus)
		rb.ts(r.NewCreated)
		rb.ts(r.NewLastUsed)
		rb.optI64(r.OldCallsSinceNew, r.OldCallsSinceNew >= 0)
		rb.boolean(r.OldCallsExact)
		rb.str(FormatCounts(r.OldSourceIPs))
		rb.str(FormatCounts(r.OldUserAgents))
		next := r.NextStep
		if r.newAfterAsOf(cfg) {
			next = "the newer key was created " + analyze.AfterAsOf(r.NewCreated) + "; " + next
		}
		rb.str(next)
		days, ok := r.BothActiveDays(cfg)
		rb.optI64(days, ok)
		rb.boolean(r.Stalled(cfg))
		rb.endRow()
	}
	return rb.b.NewRecord()
}

// FormatCounts renders counts as "value (n); value (~n)", "~" marking a
// count that may be overestimated.
func FormatCounts(cs []Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		approx := ""
		if c.Approx {
			approx = "~"
		}
		v := c.Value
		if v == "" {
			v = "(none)"
		}
		parts[i] = fmt.Sprintf("%s (%s%d)", v, approx, c.N)
	}
	return strings.Join(parts, "; ")
}
