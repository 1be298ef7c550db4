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

// addN adds n copies.
func (c *copies) addN(home bool, n int64) {
	if home {
		c.home += n
	} else {
		c.away += n
	}
}

// Count is one value with the number of calls that had it.
type Count struct {
	Value string `json:"value"`
	N     int64  `json:"count"`
	// Approx and Err are false and 0: counts are exact. (They meant a
	// Space-Saving estimate, kept for the JSON field and FormatCounts;
	// past Options.MaxValues the rest is one exact OtherValue count.)
	Approx bool  `json:"approx,omitempty"`
	Err    int64 `json:"max_error,omitempty"`
	Last   int64 `json:"-"` // Unix ms of the last call with the value
}

// valueCounts counts the calls per value of one dimension of one key
// (source IP, user agent) exactly: value → (home, away, latest time).
//
// The guard against hostile input: it keeps at most limit values, the
// smallest ones; the calls of every other value are counted together in
// rest (reported as OtherValue) and the dimension is no longer exact. The
// kept set is the limit smallest values of the whole input whatever the
// order of the rows: a value above the cut is never kept again, since the
// cut only comes down. The map may hold up to a quarter more between
// trims; finish trims it to limit.
type valueCounts struct {
	m     map[string]*valueCount
	limit int
	cut   string // with over: values above it are in rest
	over  bool
	rest  valueCount
}

type valueCount struct {
	c    copies
	last int64
}

func (e *valueCount) add(home bool, n, last int64) {
	e.c.addN(home, n)
	e.last = max(e.last, last)
}

func newValueCounts(limit int) *valueCounts {
	return &valueCounts{m: map[string]*valueCount{}, limit: max(limit, 1)}
}

// add counts n calls with value v (null is ""), the latest at last.
func (t *valueCounts) add(v string, home bool, n, last int64) {
	if e := t.m[v]; e != nil {
		e.add(home, n, last)
		return
	}
	if t.over && v > t.cut {
		t.rest.add(home, n, last)
		return
	}
	e := &valueCount{}
	e.add(home, n, last)
	t.m[strings.Clone(v)] = e
	if len(t.m) > t.limit+max(t.limit/4, 1) {
		t.trim()
	}
}

// trim keeps the limit smallest values and moves the others to rest.
func (t *valueCounts) trim() {
	if len(t.m) <= t.limit {
		return
	}
	vs := make([]string, 0, len(t.m))
	for v := range t.m {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	for _, v := range vs[t.limit:] {
		e := t.m[v]
		t.rest.c.home += e.c.home
		t.rest.c.away += e.c.away
		t.rest.last = max(t.rest.last, e.last)
		delete(t.m, v)
	}
	t.cut, t.over = vs[t.limit-1], true
}

func (t *valueCounts) finish() {
	if t != nil {
		t.trim()
	}
}

// distinct is the number of distinct values seen, exact unless the guard
// was hit; then an upper bound (the kept values plus the calls of the
// rest).
func (t *valueCounts) distinct() (int64, bool) {
	if t == nil {
		return 0, true
	}
	if t.over {
		return int64(len(t.m)) + t.rest.c.home + t.rest.c.away, false
	}
	return int64(len(t.m)), true
}

// top returns up to n values with the most calls (ties by value), counting
// only values last used at or after since (Unix ms; 0 for all). Past the
// guard, the rest competes as one OtherValue entry.
func (t *valueCounts) top(n int, callerInInput bool, since int64) []Count {
	if t == nil {
		return nil
	}
	var out []Count
	pick := func(v string, e *valueCount) {
		if since != 0 && e.last < since {
			return
		}
		if c := (Count{Value: v, N: e.c.n(callerInInput), Last: e.last}); c.N != 0 {
			out = append(out, c)
		}
	}
	for v, e := range t.m {
		pick(v, e)
	}
	if t.over {
		pick(OtherValue, &t.rest)
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
