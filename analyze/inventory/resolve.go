package inventory

import (
	"fmt"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// lastUsedLag is how long IAM may take to record a key's use in its
// last-used data; evidence from last-used dates allows for it.
const lastUsedLag = 4 * time.Hour

// resolve assigns the user's keys to the slots of its report row, by the
// rules in the package documentation, in order. It never guesses: a key
// no rule places stays unknown.
func (u *userState) resolve() {
	if u.row == nil || len(u.keys) == 0 {
		return
	}
	genLow, genHigh := u.generated, u.generated
	if genLow.IsZero() {
		genLow = reportLowerBound(u.row)
	}
	var existing []int
	for s := 1; s <= 2; s++ {
		if u.row.Keys[s-1].Exists {
			existing = append(existing, s)
		}
	}
	if len(existing) == 0 {
		return
	}
	taken := map[int]bool{}   // slot assigned
	blocked := map[int]bool{} // slot with conflicting claims
	stuck := map[*keyAgg]bool{}
	assign := func(k *keyAgg, s int, by string) {
		u.slot[k], u.by[k], taken[s] = s, by, true
	}
	free := func(k *keyAgg) bool { return u.slot[k] == 0 && !stuck[k] }

	// (1) create_date.
	claims := map[int][]*keyAgg{}
	for _, k := range u.keys {
		if k.createDate == 0 {
			continue
		}
		var match []int
		for _, s := range existing {
			if sameSecond(msTime(k.createDate), u.row.Keys[s-1].LastRotated) {
				match = append(match, s)
			}
		}
		switch len(match) {
		case 1:
			claims[match[0]] = append(claims[match[0]], k)
		case 2:
			stuck[k] = true
			u.note[k] = "slot unknown: creation date matches both slots"
		}
	}
	for _, s := range existing {
		ks := claims[s]
		switch {
		case len(ks) == 1:
			assign(ks[0], s, ByCreateDate)
		case len(ks) > 1:
			blocked[s] = true
			ids := make([]string, len(ks))
			for i, k := range ks {
				ids[i] = k.id
			}
			for _, k := range ks {
				stuck[k] = true
				u.note[k] = fmt.Sprintf("slot unknown: conflict, keys %s all match slot %d's creation date", strings.Join(ids, ", "), s)
			}
		}
	}

	// live are the free keys that may exist in the report: not deleted
	// before it, not created after it, and (creation date known) not
	// created at a time no slot shows. candidates(s) are the live keys the
	// usage evidence also allows in slot s. single_slot and elimination
	// need exactly one live key, and it must be a candidate: a live key
	// that no slot can hold means the logs and report disagree, and then
	// nothing is placed by counting.
	live := func() []*keyAgg {
		var out []*keyAgg
		for _, k := range u.keys {
			if free(k) && u.mayExist(k, existing, genLow, genHigh) {
				out = append(out, k)
			}
		}
		return out
	}
	candidates := func(s int) []*keyAgg {
		var out []*keyAgg
		for _, k := range live() {
			if u.fits(k, s, genLow, genHigh) {
				out = append(out, k)
			}
		}
		return out
	}
	only := func(s int) *keyAgg {
		if l := live(); len(l) == 1 && u.fits(l[0], s, genLow, genHigh) {
			return l[0]
		}
		return nil
	}
	open := func(s int) bool { return !taken[s] && !blocked[s] }

	// (2) single_slot.
	if len(existing) == 1 && open(existing[0]) {
		if k := only(existing[0]); k != nil {
			assign(k, existing[0], BySingleSlot)
		}
	}
	// (3) elimination, after create_date.
	eliminate := func() {
		if len(existing) != 2 {
			return
		}
		for _, s := range existing {
			other := 3 - s
			if taken[other] && open(s) {
				if k := only(s); k != nil {
					assign(k, s, ByElimination)
				}
			}
		}
	}
	eliminate()
	// (4) last_used, then elimination again.
	for _, s := range existing {
		if !open(s) {
			continue
		}
		slot := u.row.Keys[s-1]
		var match []*keyAgg
		for _, k := range candidates(s) {
			if lastUseMatches(k, slot) {
				match = append(match, k)
			}
		}
		if len(match) == 1 {
			k := match[0]
			otherMatches := false
			if o := 3 - s; len(existing) == 2 && open(o) && lastUseMatches(k, u.row.Keys[o-1]) {
				otherMatches = true
			}
			if !otherMatches {
				assign(k, s, ByLastUsed)
			}
		}
	}
	eliminate()
}

// mayExist reports whether key k may be one of the report's keys: it was
// not deleted before the report was generated, not created after it, and,
// when its creation date is known, some existing slot was rotated then.
func (u *userState) mayExist(k *keyAgg, existing []int, genLow, genHigh time.Time) bool {
	if k.deletedAt != 0 && !genLow.IsZero() && !msTime(k.deletedAt).After(genLow) {
		return false
	}
	if !genHigh.IsZero() && k.createdAt != 0 && msTime(k.createdAt).After(genHigh) {
		return false
	}
	if k.createDate != 0 {
		for _, s := range existing {
			if sameSecond(msTime(k.createDate), u.row.Keys[s-1].LastRotated) {
				return true
			}
		}
		return false
	}
	return true
}

// fits reports whether the evidence allows key k to be the key in slot s
// of the report. A key is ruled out when:
//   - its creation date is known and differs from the slot's last_rotated;
//   - it was used before the slot's key was created (last_rotated);
//   - it was deleted before the report was generated;
//   - it was created after the report was generated (generation time known);
//   - the report says the slot was never used, or last used before the
//     key's last use, although that use was long enough (lastUsedLag)
//     before the report.
//
// genLow is the generation time, or, when the report does not say, the
// latest time the report mentions (it was generated after that); genHigh is
// the generation time or zero.
func (u *userState) fits(k *keyAgg, s int, genLow, genHigh time.Time) bool {
	slot := u.row.Keys[s-1]
	rot := slot.LastRotated.Truncate(time.Second)
	if k.createDate != 0 && !sameSecond(msTime(k.createDate), slot.LastRotated) {
		return false
	}
	if k.first != 0 && !rot.IsZero() && msTime(k.first).Before(rot) {
		return false
	}
	if k.deletedAt != 0 && !genLow.IsZero() && !msTime(k.deletedAt).After(genLow) {
		return false
	}
	if !genHigh.IsZero() && k.createdAt != 0 && msTime(k.createdAt).After(genHigh) {
		return false
	}
	if k.first != 0 && !genLow.IsZero() && !msTime(k.first).Add(lastUsedLag).After(genLow) {
		switch slot.LastUsedState {
		case credreport.StateNever:
			return false
		case credreport.StateUsed:
			lastBefore := k.last
			if !genLow.IsZero() && msTime(k.last).Add(lastUsedLag).After(genLow) {
				lastBefore = k.first // only the first use is surely before the report
			}
			if !slot.LastUsed.IsZero() && slot.LastUsed.Before(msTime(lastBefore).Truncate(time.Minute)) {
				return false
			}
		}
	}
	return true
}

// lastUseMatches: the key's last CloudTrail use, floored to the minute,
// equals the slot's last_used_date, and the region and service agree.
func lastUseMatches(k *keyAgg, slot credreport.KeySlot) bool {
	if k.last == 0 || slot.LastUsed.IsZero() || slot.LastUsedState != credreport.StateUsed {
		return false
	}
	if !msTime(k.last).Truncate(time.Minute).Equal(slot.LastUsed.Truncate(time.Minute)) {
		return false
	}
	if slot.LastUsedRegion == "" || slot.LastUsedService == "" {
		return false
	}
	svc := strings.TrimSuffix(k.lastService, ".amazonaws.com")
	return slot.LastUsedRegion == k.lastRegion && strings.EqualFold(slot.LastUsedService, svc)
}

func sameSecond(a, b time.Time) bool {
	return !a.IsZero() && !b.IsZero() && a.Unix() == b.Unix()
}

// reportLowerBound is the latest time a report row mentions: the report was
// generated after it. (Only the row is used: it is what the slots describe.)
func reportLowerBound(r *credreport.Row) time.Time {
	var t time.Time
	for _, x := range []time.Time{r.UserCreationTime, r.PasswordLastUsed, r.PasswordLastChanged,
		r.Keys[0].LastRotated, r.Keys[0].LastUsed, r.Keys[1].LastRotated, r.Keys[1].LastUsed,
		r.Certs[0].LastRotated, r.Certs[1].LastRotated} {
		if x.After(t) {
			t = x
		}
	}
	return t
}
