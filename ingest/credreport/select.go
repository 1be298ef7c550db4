package credreport

import (
	"sort"
	"time"
)

// selectReports implements Select.
//
// Within one account a report is newer than another when:
//  1. both have a GeneratedTime: the later one;
//  2. only one has a GeneratedTime: that one (a plain CSV has none);
//  3. neither has: the one with the latest time found in its rows (creation,
//     password last used/changed, key last rotated/used, cert last
//     rotated; password_next_rotation is left out, as it is a future
//     date IAM computes, not something that happened).
//
// Remaining ties go to the smaller file name, then the Format, then the
// earlier position in reports. Reports with no account (no rows: every row
// was rejected) hold nothing to audit and are neither chosen nor
// superseded; their problems were reported by Parse. Nil entries are
// ignored. superseded is sorted by account, then file name, and each By is
// the chosen report of that account.
func selectReports(reports []*Report) (chosen []*Report, superseded []Superseded) {
	type cand struct {
		rep    *Report
		pos    int
		latest time.Time
	}
	byAccount := make(map[string][]cand)
	for i, r := range reports {
		if r == nil || r.AccountID == "" {
			continue
		}
		c := cand{rep: r, pos: i}
		if r.GeneratedTime.IsZero() {
			c.latest = latestRowTime(r)
		}
		byAccount[r.AccountID] = append(byAccount[r.AccountID], c)
	}
	newer := func(a, b cand) bool {
		ga, gb := a.rep.GeneratedTime, b.rep.GeneratedTime
		switch {
		case !ga.IsZero() && !gb.IsZero():
			if !ga.Equal(gb) {
				return ga.After(gb)
			}
		case !ga.IsZero() || !gb.IsZero():
			return !ga.IsZero()
		default:
			if !a.latest.Equal(b.latest) {
				return a.latest.After(b.latest)
			}
		}
		if a.rep.File != b.rep.File {
			return a.rep.File < b.rep.File
		}
		if a.rep.Format != b.rep.Format {
			return a.rep.Format < b.rep.Format
		}
		return a.pos < b.pos
	}
	accounts := make([]string, 0, len(byAccount))
	for a := range byAccount {
		accounts = append(accounts, a)
	}
	sort.Strings(accounts)
	for _, a := range accounts {
		cands := byAccount[a]
		sort.SliceStable(cands, func(i, j int) bool { return newer(cands[i], cands[j]) })
		win := cands[0].rep
		chosen = append(chosen, win)
		rest := cands[1:]
		sort.SliceStable(rest, func(i, j int) bool {
			if rest[i].rep.File != rest[j].rep.File {
				return rest[i].rep.File < rest[j].rep.File
			}
			return rest[i].pos < rest[j].pos
		})
		for _, c := range rest {
			superseded = append(superseded, Superseded{Report: c.rep, By: win})
		}
	}
	return chosen, superseded
}

// latestRowTime is the latest observed time in a report's rows.
func latestRowTime(r *Report) time.Time {
	var t time.Time
	see := func(u time.Time) {
		if u.After(t) {
			t = u
		}
	}
	for i := range r.Rows {
		row := &r.Rows[i]
		see(row.UserCreationTime)
		see(row.PasswordLastUsed)
		see(row.PasswordLastChanged)
		for _, k := range row.Keys {
			see(k.LastRotated)
			see(k.LastUsed)
		}
		for _, c := range row.Certs {
			see(c.LastRotated)
		}
	}
	return t
}
