package inventory

import (
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// BenchmarkBuilderAdd: one 8,192-row record of calls by 500 keys from 50
// IPs, folded into a warm Builder.
func BenchmarkBuilderAdd(b *testing.B) {
	mem := memory.NewGoAllocator()
	keys := make([]string, 500)
	for i := range keys {
		keys[i] = keyOf("AKIA", acctA, byte(i))
		keys[i] = keys[i][:16] + strconv.Itoa(1000+i) // distinct IDs
	}
	var evs []*ct.Event
	for i := 0; i < 8192; i++ {
		e := call(at(time.Duration(i)*time.Second), acctA, "user"+strconv.Itoa(i%500), keys[i%500])
		e.Set(ct.ColSourceIPAddress, "10.0.0."+strconv.Itoa(i%50))
		evs = append(evs, e)
	}
	rec := record(mem, evs...)
	defer rec.Release()
	bld := New()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bld.Add(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*8192/b.Elapsed().Seconds(), "events/s")
}
