package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// orderTree writes files whose events share eventIDs across files, each
// copy with a source IP naming its file and record, some events without an
// eventID and some rejected, the first file much larger than the others and
// with its shared eventIDs at its end (so that later files are read before
// it is done, and their copies reach the eventID set first). It returns the rows walk order gives: files by name,
// records in file order, the first copy of an eventID kept.
func orderTree(t *testing.T) (string, []string) {
	dir := t.TempDir()
	seen := map[string]bool{}
	var want []string
	for f := range 12 {
		n := 300
		if f == 0 {
			n = 8000
		}
		var recs []any
		var lines []string
		for k := range n {
			ip := fmt.Sprintf("10.%d.%d.%d", f, k/256, k%256)
			e := map[string]any{"eventVersion": "1.08", "eventTime": "2026-10-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
				"eventName": "ListBuckets", "recipientAccountId": "123456789012", "sourceIPAddress": ip,
				"userIdentity": map[string]any{"type": "IAMUser", "accountId": "123456789012", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"}}
			id := fmt.Sprintf("ev-%d", (f*7919+k*13)%2500)
			if f == 0 && k < n-2500 {
				// The first file's copies come last in it.
				id = fmt.Sprintf("u-%d", k)
			}
			switch {
			case k%50 == 7: // no eventID: never a duplicate
			case k%50 == 9: // rejected: no eventTime
				e["eventID"] = id
				delete(e, "eventTime")
			default:
				e["eventID"] = id
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, e)
			lines = append(lines, string(b))
			if k%50 == 9 {
				continue
			}
			if k%50 != 7 {
				if seen[id] {
					continue
				}
				seen[id] = true
			}
			want = append(want, ip)
		}
		name := fmt.Sprintf("f%02d.json", f)
		if f%2 == 0 {
			b, _ := json.Marshal(map[string]any{"Records": recs})
			write(t, dir, name, b)
		} else {
			write(t, dir, name, []byte(strings.Join(lines, "\n")+"\n"))
		}
	}
	return dir, want
}

// orderSink keeps the source IPs in the order delivered, and checks that
// every record holds rows of one file.
type orderSink struct {
	ips  []string
	errs []string
}

func (s *orderSink) Events(rec arrow.Record) error {
	col := rec.Column(cloudtrail.ColSourceIPAddress).(*array.String)
	file := ""
	for i := range int(rec.NumRows()) {
		ip := col.Value(i)
		f := ip[:strings.LastIndexByte(ip[:strings.LastIndexByte(ip, '.')], '.')]
		if i == 0 {
			file = f
		} else if f != file {
			s.errs = append(s.errs, fmt.Sprintf("record of %d rows holds rows of %s and %s", rec.NumRows(), file, f))
		}
		s.ips = append(s.ips, ip)
	}
	return nil
}

// TestWalkOrder: with Options.WalkOrder the sink gets the rows in walk
// order, the first copy of each eventID in walk order kept, the same for
// every number of workers, window and dedup budget (spilled or not), with
// the accounting of a run without it.
func TestWalkOrder(t *testing.T) {
	dir, want := orderTree(t)
	defer func(f int, b int64) { orderAheadFiles, orderAheadBytes = f, b }(orderAheadFiles, orderAheadBytes)
	base, _ := run(t, []string{dir}, Options{Workers: 1})
	for _, workers := range []int{1, 2, 4} {
		for _, window := range []struct {
			files int
			bytes int64
		}{{4, 32 << 20}, {1, 1}, {3, 64 << 10}} {
			for _, budget := range []int64{0, 16 << 10} {
				name := fmt.Sprintf("workers=%d window=%v budget=%d", workers, window, budget)
				t.Setenv("TMPDIR", t.TempDir())
				orderAheadFiles, orderAheadBytes = window.files, window.bytes
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				sink := &orderSink{}
				res, err := Run(context.Background(), []string{dir}, Options{Mem: mem, Workers: workers, BatchRows: 97,
					DedupMemory: budget, WalkOrder: true}, sink)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				mem.AssertSize(t, 0)
				checkAccounting(t, res, int64(len(sink.ips)))
				for _, e := range sink.errs {
					t.Errorf("%s: %s", name, e)
				}
				if !slices.Equal(sink.ips, want) {
					i := 0
					for i < min(len(sink.ips), len(want)) && sink.ips[i] == want[i] {
						i++
					}
					t.Fatalf("%s: %d rows, want %d; first difference at row %d", name, len(sink.ips), len(want), i)
				}
				for _, k := range []Kind{KindCloudTrail, KindJSONLines} {
					if *res.Stats[k] != *base.Stats[k] {
						t.Errorf("%s: %s: %+v, without WalkOrder %+v", name, k, *res.Stats[k], *base.Stats[k])
					}
				}
			}
		}
	}
}

// TestWalkOrderRetract: a copy earlier in the walk that reaches the
// eventID set after a later one retracts the later one's row, which the
// orderer then drops, however the records of the two files interleave.
func TestWalkOrderRetract(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	o := newOrderer(ctx, 2)
	s := newIDSet(0)
	defer s.close()
	s.retract = func(or origin) { o.dropRow(or.ord(), or.index()) }

	// File 1 is read first: rows 0..4 are e-0..e-4, all new.
	for i := range 5 {
		if s.seenAt(fmt.Appendf(nil, "e-%d", i), fileOrigin(1, KindCloudTrail).at(i)) {
			t.Fatal("fresh ID seen")
		}
	}
	if err := o.add(1, ipRecord(mem, "1.0", "1.1", "1.2")); err != nil {
		t.Fatal(err)
	}
	if err := o.add(1, ipRecord(mem, "1.3", "1.4")); err != nil {
		t.Fatal(err)
	}
	o.finish(1)
	// File 0 then has e-1 and e-3 (and e-9): they are kept, and file 1's
	// copies are retracted.
	for i, id := range []string{"e-1", "e-3", "e-9"} {
		if s.seenAt([]byte(id), fileOrigin(0, KindJSONLines).at(i)) {
			t.Fatalf("%s: the earlier copy is not kept", id)
		}
	}
	// A copy later in the walk is still a duplicate.
	if !s.seenAt([]byte("e-1"), fileOrigin(2, KindCloudTrail).at(0)) {
		t.Fatal("later copy kept")
	}
	var wg sync.WaitGroup
	var got []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for rec := o.next(); rec != nil; rec = o.next() {
			col := rec.Column(cloudtrail.ColSourceIPAddress).(*array.String)
			for i := range int(rec.NumRows()) {
				got = append(got, col.Value(i))
			}
			rec.Release()
		}
	}()
	if err := o.add(0, ipRecord(mem, "0.0", "0.1", "0.2")); err != nil {
		t.Fatal(err)
	}
	o.finish(0)
	o.close()
	wg.Wait()
	if want := []string{"0.0", "0.1", "0.2", "1.0", "1.2", "1.4"}; !slices.Equal(got, want) {
		t.Errorf("delivered %v, want %v", got, want)
	}
	if err := o.failed(); err != nil {
		t.Error(err)
	}
	stats := map[Kind]*Counts{KindCloudTrail: {Used: 5, Duplicate: 1}, KindJSONLines: {Used: 3}}
	s.applySwaps(stats)
	if c := *stats[KindCloudTrail]; c.Used != 3 || c.Duplicate != 3 {
		t.Errorf("cloudtrail: %+v, want 3 used, 3 duplicate", c)
	}
	if c := *stats[KindJSONLines]; c.Used != 3 || c.Duplicate != 0 {
		t.Errorf("json-lines: %+v, want 3 used", c)
	}
}

// TestWalkOrderMissingRetract: a retraction that names no delivered row
// is an error of the Run, not a silently kept row.
func TestWalkOrderMissingRetract(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	o := newOrderer(context.Background(), 1)
	o.dropRow(0, 7)
	if err := o.add(0, ipRecord(mem, "0.0")); err != nil {
		t.Fatal(err)
	}
	o.finish(0)
	o.close()
	for rec := o.next(); rec != nil; rec = o.next() {
		rec.Release()
	}
	if o.failed() == nil {
		t.Error("no error for a retracted row that was never delivered")
	}
}

// ipRecord is an event record whose rows have only the source IPs given.
func ipRecord(mem memory.Allocator, ips ...string) arrow.Record {
	b := array.NewRecordBuilder(mem, cloudtrail.EventSchema)
	defer b.Release()
	for _, ip := range ips {
		for c := range cloudtrail.NumColumns {
			if c == cloudtrail.ColSourceIPAddress {
				b.Field(c).(*array.StringBuilder).Append(ip)
			} else {
				b.Field(c).AppendNull()
			}
		}
	}
	return b.NewRecord()
}
