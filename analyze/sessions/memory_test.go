package sessions

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// feedUses adds n calls spread over keys, each with its own event ID,
// shared event ID, source IP and user agent (values a Builder must not
// keep), in records of 500 rows.
func feedUses(t testing.TB, b *Builder, mem memory.Allocator, keys, n, offset int) {
	t.Helper()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 500 {
		rb := array.NewRecordBuilder(mem, ct.EventSchema)
		for i := start; i < min(start+500, n); i++ {
			j := offset + i
			e := assumed(call(fmt.Sprintf("ev-%09d", j), "2025-01-01T00:00:00Z", "GetObject"), acctA, "app",
				fmt.Sprintf("s%d", j%keys), fmt.Sprintf("ASIAMEM%013d", j%keys))
			e.Set(ct.ColEventTime, base.Add(time.Duration(j)*time.Second)).
				Set(ct.ColSharedEventID, fmt.Sprintf("shared-%09d", j)).
				Set(ct.ColSourceIPAddress, fmt.Sprintf("10.%d.%d.%d", j>>16&255, j>>8&255, j&255)).
				Set(ct.ColUserAgent, fmt.Sprintf("agent/%d", j))
			ct.AppendEvent(rb, e)
		}
		rec := rb.NewRecord()
		rb.Release()
		if err := b.Add(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestMemoryBoundedByKeys: ten times more calls over the same keys must
// not grow what the Builder keeps: per-key state, and in Add's Aggregator
// one session_use group per key and identity (the calls only add to its
// count; source IPs, agents and event IDs are not in the grain).
func TestMemoryBoundedByKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	const keys = 2000
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	before := liveHeap()
	b := New()
	feedUses(t, b, mem, keys, 4000, 0)
	small := liveHeap()
	feedUses(t, b, mem, keys, 40000, 4000)
	large := liveHeap()
	runtime.KeepAlive(b)

	perKeySmall := float64(int64(small)-int64(before)) / keys
	growth := float64(int64(large)-int64(small)) / keys
	t.Logf("retained: %.0f B/key after 4,000 calls; %+.0f B/key after 40,000 more", perKeySmall, growth)
	if growth > perKeySmall/4 {
		t.Errorf("state grew by %.0f B/key with 10x the calls (had %.0f B/key): memory follows events", growth, perKeySmall)
	}
	r := b.Finish()
	if len(r.Sessions) != keys || r.Sessions[0].EventCount != 44000/keys {
		t.Errorf("%d sessions, first has %d calls; want %d and %d", len(r.Sessions), r.Sessions[0].EventCount, keys, 44000/keys)
	}
}

// BenchmarkBuilder measures Add over records of 8,192 calls spread over
// 10,000 keys (go test -bench Builder -run XXX ./analyze/sessions/).
func BenchmarkBuilder(b *testing.B) {
	mem := memory.NewGoAllocator()
	rb := array.NewRecordBuilder(mem, ct.EventSchema)
	for i := 0; i < 8192; i++ {
		e := assumed(call(fmt.Sprintf("ev-%09d", i), "2025-01-01T00:00:00Z", "GetObject"), acctA, "app", "s", fmt.Sprintf("ASIABENCH%011d", i%10000))
		ct.AppendEvent(rb, e)
	}
	rec := rb.NewRecord()
	rb.Release()
	defer rec.Release()
	bl := New()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bl.Add(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*8192)/b.Elapsed().Seconds(), "events/s")
}
