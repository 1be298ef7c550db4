package inventory

import (
	"cmp"
	"slices"
	"strings"
)

// copies counts event copies of API calls, split by whether the copy was
// logged in the caller's own account ("home": recipientAccountId equals
// userIdentity.accountId, or either is absent) or elsewhere ("away").
//
// One call can be logged in several accounts (the caller's and the
// resource owner's, with one sharedEventID). Counting only home copies
// counts each call once when the caller's account is among the inputs; when
// it is not, the away copies are the only record of the call and count
// instead. This needs no per-event memory. Its limit: a call whose caller's
// account is absent but which was delivered to two or more input accounts
// counts once per copy, and when the caller's trail is only partly given
// the calls of the missing part seen elsewhere are not counted.
type copies struct{ home, away int64 }

func (c *copies) add(home bool) {
	if home {
		c.home++
	} else {
		c.away++
	}
}

// n is the number of calls, given whether the caller's account is among
// the recipient accounts of the input.
func (c copies) n(callerInInput bool) int64 {
	if callerInInput {
		return c.home
	}
	return c.home + c.away
}

// Count is one value with the number of calls that had it.
type Count struct {
	Value string `json:"value"`
	N     int64  `json:"count"`
	// Approx is true when the value entered a full top-N table by evicting
	// another: N may then overcount by up to Err.
	Approx bool  `json:"approx,omitempty"`
	Err    int64 `json:"max_error,omitempty"`
	Last   int64 `json:"-"` // Unix ms of the last call with the value
}

// topN keeps the most frequent values of one dimension in bounded memory
// (the Space-Saving algorithm): at most cap entries; a new value when full
// replaces the least frequent, inheriting its count as an error bound.
// Counts are exact as long as no value was evicted.
type topN struct {
	entries []topEntry
	cap     int
	evicted int64
}

type topEntry struct {
	value string
	c     copies
	err   int64
	last  int64
}

func (t *topN) add(value string, home bool, at int64) {
	for i := range t.entries {
		e := &t.entries[i]
		if e.value == value {
			e.c.add(home)
			e.last = max(e.last, at)
			return
		}
	}
	e := topEntry{value: strings.Clone(value), last: at}
	e.c.add(home)
	if len(t.entries) < t.cap {
		t.entries = append(t.entries, e)
		return
	}
	// Evict the least frequent (ties: the smallest value, for determinism
	// given the same event order).
	mi := 0
	for i := 1; i < len(t.entries); i++ {
		a, b := t.entries[i], t.entries[mi]
		if w, wm := a.c.home+a.c.away, b.c.home+b.c.away; w < wm || w == wm && a.value < b.value {
			mi = i
		}
	}
	old := t.entries[mi]
	w := old.c.home + old.c.away
	e.err = old.err + w
	if home {
		e.c.home += w
	} else {
		e.c.away += w
	}
	t.entries[mi] = e
	t.evicted++
}

// distinct is the number of distinct values seen, exact when no value was
// evicted; otherwise an upper bound (an evicted value that comes back is
// counted again).
func (t *topN) distinct() (int64, bool) {
	if t == nil {
		return 0, true
	}
	return int64(len(t.entries)) + t.evicted, t.evicted == 0
}

// top returns up to n values with the most calls (ties by value), counting
// only calls at or after since (Unix ms; 0 for all) by their last time.
func (t *topN) top(n int, callerInInput bool, since int64) []Count {
	if t == nil {
		return nil
	}
	var out []Count
	for _, e := range t.entries {
		if since != 0 && e.last < since {
			continue
		}
		c := Count{Value: e.value, N: e.c.n(callerInInput), Err: e.err, Approx: e.err > 0, Last: e.last}
		if c.N == 0 {
			continue
		}
		out = append(out, c)
	}
	sortCounts(out)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Value, b.Value))
	})
}
