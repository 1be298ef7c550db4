package inventory

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/golden"
)

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

// TestLifecycleOrder: the lifecycle updates that depended on arrival order
// (docs/FACTS.md §4.2) give one answer for every order of the events, each
// in its own record: the answer of the canonical replay (event_time,
// event_id, then the other columns).
func TestLifecycleOrder(t *testing.T) {
	kForeign := keyOf("ASIA", acctC, 31)
	tests := []struct {
		name  string
		evs   func() []*ct.Event
		check func(t *testing.T, b *Builder, inv *Inventory)
	}{{
		// Two successful CreateAccessKey for one key ID (doctored input):
		// replayed by time, the later one, which has the createDate, wins.
		name: "create without createDate, then with one",
		evs: func() []*ct.Event {
			return []*ct.Event{
				created(at(0), acctA, "admin", kAdmin, "alice", k1, time.Time{}),
				created(at(time.Hour), acctA, "carol", k2, "alice", k1, at(time.Hour)),
			}
		},
		check: func(t *testing.T, b *Builder, inv *Inventory) {
			k := b.keys[k1]
			if k.createdAt != at(time.Hour).UnixMilli() || k.createDate != at(time.Hour).UnixMilli() || k.createdBy != "arn:aws:iam::"+acctA+":user/carol" {
				t.Errorf("created at %d (%d) by %s", k.createdAt, k.createDate, k.createdBy)
			}
		},
	}, {
		// UpdateAccessKey and DeleteAccessKey ties (same ms, same status):
		// the row with the smaller eventID is replayed first and kept.
		name: "same-millisecond updates and deletes by two callers",
		evs: func() []*ct.Event {
			return []*ct.Event{
				with(updated(at(0), acctA, "admin", kAdmin, "alice", k1, "Inactive"), ct.ColEventID, "e-2"),
				with(updated(at(0), acctA, "carol", k2, "alice", k1, "Inactive"), ct.ColEventID, "e-1"),
				with(deleted(at(time.Hour), acctA, "admin", kAdmin, "alice", k1), ct.ColEventID, "e-3"),
				with(deleted(at(time.Hour), acctA, "carol", k2, "alice", k1), ct.ColEventID, "e-4"),
			}
		},
		check: func(t *testing.T, b *Builder, inv *Inventory) {
			k := b.keys[k1]
			if k.statusBy != "arn:aws:iam::"+acctA+":user/carol" || k.deletedBy != "arn:aws:iam::"+acctA+":user/admin" {
				t.Errorf("status by %s, deleted by %s", k.statusBy, k.deletedBy)
			}
		},
	}, {
		// A temporary key used by its own account, then by another: it is
		// foreign, and both calls count, in either order.
		name: "other key used with and without a foreign caller",
		evs: func() []*ct.Event {
			return []*ct.Event{
				call(at(0), acctC, "x", kForeign),
				call(at(time.Hour), acctA, "y", kForeign),
				call(at(2*time.Hour), acctC, "x", kForeign),
			}
		},
		check: func(t *testing.T, b *Builder, inv *Inventory) {
			if len(inv.others) != 1 || inv.others[0].uses.n(false) != 3 {
				t.Fatalf("others = %+v", inv.others)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want string
			n := len(tt.evs())
			for _, p := range permutations(n) {
				evs, base := make([]*ct.Event, n), tt.evs()
				for i, j := range p {
					evs[i] = base[j]
				}
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				b := New(Options{Mem: mem})
				for _, e := range evs {
					rec := record(mem, e)
					if err := b.Add(rec); err != nil {
						t.Fatal(err)
					}
					rec.Release()
				}
				inv := b.Finish(nil)
				mem.AssertSize(t, 0)
				tt.check(t, b, inv)
				got := render(t, inv, at(30*day))
				for _, id := range slices.Sorted(maps.Keys(b.keys)) {
					k := b.keys[id]
					got += fmt.Sprintf("%s: created %d/%d by %s, status %s at %d by %s, deleted %d by %s\n",
						k.id, k.createDate, k.createdAt, k.createdBy, k.status, k.statusAt, k.statusBy, k.deletedAt, k.deletedBy)
				}
				if want == "" {
					want = got
				} else if got != want {
					t.Fatalf("order %v gives another result:\n%s", p, golden.Diff([]byte(want), []byte(got)))
				}
			}
			build(t, nil, tt.evs()...) // and the facts, shuffled and regrouped
		})
	}
}

// TestFactsMemory: folding the same fact rows again allocates nothing per
// row and grows no aggregate (key_lifecycle rows, one per event, are the
// exception: they are buffered until Finish).
func TestFactsMemory(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var evs []*ct.Event
	for i := 0; i < 2000; i++ {
		e := call(at(time.Duration(i)*time.Minute), acctA, fmt.Sprint("u", i%20), keyOf("AKIA", acctA, byte(100+i%20)))
		e.Set(ct.ColSourceIPAddress, fmt.Sprint("203.0.113.", i%7))
		e.Set(ct.ColUserAgent, fmt.Sprint("agent/", i%3))
		evs = append(evs, e, call(at(time.Duration(i)*time.Minute), acctB, "x", keyOf("ASIA", acctC, byte(i%5))))
	}
	rec := record(mem, evs...)
	defer rec.Release()
	set := &facts.Set{}
	defer set.Release()
	agg := facts.NewAggregator(mem, facts.Options{}, set)
	if err := agg.Events(rec); err != nil {
		t.Fatal(err)
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	if set.Rows(facts.KeyUse) < 500 || set.Rows(facts.SessionUse) == 0 || set.Rows(facts.KeyLifecycle) != 0 {
		t.Fatalf("%d key_use, %d session_use, %d key_lifecycle rows", set.Rows(facts.KeyUse), set.Rows(facts.SessionUse), set.Rows(facts.KeyLifecycle))
	}
	b := New(Options{Mem: mem})
	replay := func() {
		if err := set.Replay(b); err != nil {
			t.Fatal(err)
		}
	}
	size := func() string {
		s := fmt.Sprintf("%d keys, %d others, %d recipients, %d strings:", len(b.keys), len(b.others), len(b.recipients), len(b.strs))
		for _, k := range b.keys {
			s += fmt.Sprintf(" %d/%d/%d/%d", len(k.days), len(k.ips.m), len(k.agents.m), len(k.callerAccounts))
		}
		return s
	}
	replay()
	before := size()
	var records int
	for tb := range set.Records {
		records += len(set.Records[tb])
	}
	// A View per record; nothing per row.
	if n := testing.AllocsPerRun(10, replay); n > float64(10*records) {
		t.Errorf("%.0f allocations per replay of %d records (%d key_use rows)", n, records, set.Rows(facts.KeyUse))
	}
	if after := size(); after != before {
		t.Errorf("aggregates grew:\n%s\n%s", before, after)
	}
	if got, want := b.keys[keyOf("AKIA", acctA, 100)].uses.home, int64(12*100); got != want {
		t.Errorf("%d calls after 12 replays, want %d", got, want)
	}
}
