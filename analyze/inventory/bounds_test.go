package inventory

import (
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// TestMemoryBounded: 20,000 calls from 20,000 distinct IPs and user agents
// over one day leave one key aggregate, with exact counts; past
// Options.MaxValues the smallest values are kept and the rest is one
// OtherValue count, and SourceIPsExact is false.
func TestMemoryBounded(t *testing.T) {
	for _, tt := range []struct {
		name      string
		maxValues int
		kept      int
		exact     bool
	}{
		{"exact", 0, 20000, true},
		{"guard", 1000, 1000, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			b := New(Options{TopN: 5, MaxValues: tt.maxValues, Mem: mem})
			for batch := 0; batch < 20; batch++ {
				var evs []*ct.Event
				for i := 0; i < 1000; i++ {
					n := batch*1000 + i
					e := call(at(time.Duration(n)*time.Second), acctA, "alice", k1)
					e.Set(ct.ColSourceIPAddress, "10.0."+strconv.Itoa(n/256)+"."+strconv.Itoa(n%256))
					e.Set(ct.ColUserAgent, "agent/"+strconv.Itoa(n))
					if i == 0 {
						e.Set(ct.ColSourceIPAddress, "10.0.0.1") // 21 calls from 10.0.0.1, 19,980 IPs
					}
					evs = append(evs, e)
				}
				rec := record(mem, evs...)
				if err := b.Add(rec); err != nil {
					t.Fatal(err)
				}
				rec.Release()
			}
			inv := b.Finish(nil)
			k := b.keys[k1]
			if len(b.keys) != 1 || len(k.ips.m) != min(tt.kept, 19980) || len(k.agents.m) != tt.kept || len(k.days) != 1 {
				t.Fatalf("aggregates: %d keys, %d IPs, %d agents, %d days", len(b.keys), len(k.ips.m), len(k.agents.m), len(k.days))
			}
			got, _ := inv.Key(k1)
			if got.EventCount != 20000 || got.SourceIPsExact != tt.exact || len(got.TopSourceIPs) != 5 {
				t.Errorf("key = count %d, IPs %d exact %v, top %d", got.EventCount, got.SourceIPs, got.SourceIPsExact, len(got.TopSourceIPs))
			}
			if tt.exact && got.SourceIPs != 19980 {
				t.Errorf("%d distinct source IPs, want 19,980", got.SourceIPs)
			}
			if !tt.exact && (got.SourceIPs < 19980 || got.SourceIPs > 20000) {
				t.Errorf("%d source IPs past the guard: not an upper bound", got.SourceIPs)
			}
			for _, c := range append(got.TopSourceIPs, got.TopUserAgents...) {
				if c.Approx || c.Err != 0 {
					t.Errorf("count %+v is marked approximate", c)
				}
			}
			// Exact: 10.0.0.1 first. Guard: the rest first, then
			// 10.0.0.1, among the 1,000 smallest values.
			top := got.TopSourceIPs
			if !tt.exact {
				if top[0].Value != OtherValue || top[0].N != 20000-21-999 {
					t.Errorf("top source IP = %+v, want %s (%d)", top[0], OtherValue, 20000-21-999)
				}
				top = top[1:]
			}
			if c := top[0]; c.Value != "10.0.0.1" || c.N != 21 {
				t.Errorf("top source IP = %+v, want 10.0.0.1 (21)", c)
			}
			var sum int64
			for _, c := range k.agents.top(1<<30, true, 0) {
				sum += c.N
			}
			if sum != 20000 {
				t.Errorf("the user agents' counts add up to %d, want 20000", sum)
			}
		})
	}
}

// FuzzBuilder feeds arbitrary identity and lifecycle values: the Builder,
// Finish, the records, the rules and Activity must never panic or leak.
func FuzzBuilder(f *testing.F) {
	f.Add("IAMUser", "alice", k1, acctA, acctB, "CreateAccessKey", "", k2, "Active", int64(1000), int64(5))
	f.Add("Root", "", kRoot, acctA, acctA, "DeleteAccessKey", "", kRoot, "", int64(-5), int64(0))
	f.Add("IAMUser", "bob", "AKIATFQR7NSC8Q4X20BJ", "", "", "UpdateAccessKey", "LimitExceededException", "AKIA", "Inactive", int64(0), int64(1<<40))
	f.Fuzz(func(t *testing.T, typ, user, key, acct, recipient, name, errCode, target, status string, ms, rotSec int64) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		when := time.UnixMilli(ms % (1 << 45)).UTC()
		var evs []*ct.Event
		for i := 0; i < 3; i++ {
			e := &ct.Event{}
			e.Set(ct.ColEventTime, when.Add(time.Duration(i)*time.Hour))
			e.Set(ct.ColEventSource, "iam.amazonaws.com")
			e.Set(ct.ColEventName, name)
			e.Set(ct.ColErrorCode, errCode)
			e.Set(ct.ColUIType, typ)
			e.Set(ct.ColUIUserName, user)
			e.Set(ct.ColUIAccessKeyID, key)
			e.Set(ct.ColUIAccountID, acct)
			e.Set(ct.ColRecipientAccountID, recipient)
			e.Set(ct.ColUIARN, "arn:aws:iam::"+acct+":user/"+user)
			e.Set(ct.ColReqAccessKeyID, target)
			e.Set(ct.ColReqStatus, status)
			e.Set(ct.ColRespAccessKeyID, target)
			e.Set(ct.ColRespAccessKeyCreateDate, when)
			e.Set(ct.ColSharedEventID, status)
			evs = append(evs, e)
		}
		rec := record(mem, evs...)
		defer rec.Release()
		b := New(Options{Mem: mem})
		act := NewActivity([]string{key, target})
		if err := b.Add(rec); err != nil {
			t.Fatal(err)
		}
		if err := act.Add(rec); err != nil {
			t.Fatal(err)
		}
		rot := time.Unix(rotSec%(1<<35), 0).UTC()
		rep := report(acct, when, row(user, slot(true, rot, when, "us-east-1", "iam"), slot(status == "Active", when, time.Time{}, "", "")))
		inv := b.Finish([]*credreport.Report{rep, nil})
		kr := inv.KeyRecord(mem, time.Time{})
		kr.Release()
		rr := inv.RotationRecord(mem, analyze.Config{AsOf: when})
		rr.Release()
		_ = inv.Findings(analyze.Config{AsOf: when.Add(30 * analyze.Day)})
		_ = act.Results()
		_ = inv.SlotKeyID(acct, user, 1)
	})
}
