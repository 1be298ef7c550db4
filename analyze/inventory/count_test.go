package inventory

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// copyIn is the copy of e that account recipient received: same call, same
// sharedEventID, another eventID.
func copyIn(e *ct.Event, recipient, eventID string) *ct.Event {
	c := *e
	c.Set(ct.ColRecipientAccountID, recipient)
	c.Set(ct.ColEventID, eventID)
	return &c
}

func shared(e *ct.Event, id string) *ct.Event { return e.Set(ct.ColSharedEventID, id) }

func TestEventCount(t *testing.T) {
	callA1 := shared(call(at(time.Hour), acctA, "alice", k1), "s-1")
	callA2 := shared(call(at(2*time.Hour), acctA, "alice", k1), "s-2")
	callA3 := call(at(3*time.Hour), acctA, "alice", k1) // logged in A only
	tests := []struct {
		name   string
		events []*ct.Event
		want   int64
	}{
		{"home copies only", []*ct.Event{callA1, callA2, callA3}, 3},
		{"cross-account copies count once", []*ct.Event{callA1, copyIn(callA1, acctB, "b-1"), callA2, copyIn(callA2, acctB, "b-2"), callA3}, 3},
		{"copies elsewhere only: caller's account not in the input", []*ct.Event{copyIn(callA1, acctB, "b-1"), copyIn(callA2, acctB, "b-2")}, 2},
		// The documented limit: with the caller's account absent, a call
		// delivered to two other input accounts counts twice.
		{"two foreign copies of one call (documented limit)", []*ct.Event{copyIn(callA1, acctB, "b-1"), copyIn(callA1, acctC, "c-1")}, 2},
		// The caller's account is in the input (via another event), so
		// copies elsewhere are not counted.
		{"caller's trail present through other events", []*ct.Event{copyIn(callA1, acctB, "b-1"), call(at(0), acctA, "bob", k2)}, 0},
		{"no recipient account (old events) count as home", []*ct.Event{with(call(at(0), acctA, "alice", k1), ct.ColRecipientAccountID, ""), callA3}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Fresh copies: Set mutates.
			evs := make([]*ct.Event, len(tt.events))
			for i, e := range tt.events {
				c := *e
				evs[i] = &c
			}
			inv := build(t, nil, evs...)
			k, ok := inv.Key(k1)
			if !ok {
				t.Fatalf("key %s missing", k1)
			}
			if k.EventCount != tt.want {
				t.Errorf("event_count = %d, want %d", k.EventCount, tt.want)
			}
		})
	}
}

func TestAddRejectsOtherSchemas(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := New(Options{Mem: mem})
	inv := build(t, nil, call(at(0), acctA, "alice", k1))
	rec := inv.KeyRecord(mem, time.Time{})
	defer rec.Release()
	if err := b.Add(rec); err == nil {
		t.Error("Add(key record): no error")
	}
	if err := b.Add(nil); err == nil {
		t.Error("Add(nil): no error")
	}
}

func TestSeenAndSources(t *testing.T) {
	evs := []*ct.Event{
		call(at(5*time.Hour), acctA, "alice", k1),
		call(at(time.Hour), acctA, "alice", k1),
		with(call(at(3*time.Hour), acctA, "alice", k1), ct.ColSourceIPAddress, "198.51.100.7"),
	}
	for i := 0; i < 60; i++ { // more distinct IPs than TopN: counted exactly
		evs = append(evs, with(call(at(time.Duration(i)*time.Minute), acctA, "bob", k2), ct.ColSourceIPAddress, "203.0.113."+itoa(i)))
	}
	inv := build(t, nil, evs...)
	k, _ := inv.Key(k1)
	if !k.FirstSeen.Equal(at(time.Hour)) || !k.LastSeen.Equal(at(5*time.Hour)) || !k.LastUsed.Equal(k.LastSeen) {
		t.Errorf("first/last seen = %v/%v, last used %v", k.FirstSeen, k.LastSeen, k.LastUsed)
	}
	if k.SourceIPs != 2 || !k.SourceIPsExact || len(k.TopSourceIPs) != 2 || k.TopSourceIPs[0] != (Count{Value: "192.0.2.10", N: 2, Last: at(5 * time.Hour).UnixMilli()}) {
		t.Errorf("source IPs = %d exact %v top %+v", k.SourceIPs, k.SourceIPsExact, k.TopSourceIPs)
	}
	b, _ := inv.Key(k2)
	if b.SourceIPs != 60 || !b.SourceIPsExact || len(b.TopSourceIPs) != 10 {
		t.Errorf("bob: source IPs = %d exact %v, %d top", b.SourceIPs, b.SourceIPsExact, len(b.TopSourceIPs))
	}
	if b.User != "bob" || b.AccountID != acctA || b.DecodedAccount != acctA || b.Status != StatusActive || b.EventCount != 60 {
		t.Errorf("bob's key = %+v", b)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
