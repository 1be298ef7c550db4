package ingest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestIDSetSwaps: whatever order copies arrive in, the used copy is the
// one earliest in the walk, and the swaps say so, in the hot table and
// after spills.
func TestIDSetSwaps(t *testing.T) {
	for _, budget := range []int64{0, 16 << 10} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			s := newIDSet(budget)
			defer s.close()
			const n = 20_000
			late := makeOrigin(9, 0, KindJSONLines)
			early := makeOrigin(2, 5, KindCloudTrail)
			earliest := makeOrigin(1, 7, KindLookupEvents)
			for i := range n {
				if s.seenAt(fmt.Appendf(nil, "e-%d", i), late) {
					t.Fatal("fresh ID seen")
				}
			}
			// Every ID again from an earlier file, then from an even earlier
			// one, then from the late file again.
			for _, o := range []origin{early, earliest, late} {
				for i := range n {
					if !s.seenAt(fmt.Appendf(nil, "e-%d", i), o) {
						t.Fatal("known ID not seen")
					}
				}
			}
			stats := map[Kind]*Counts{
				KindJSONLines:    {Used: n, Duplicate: n},
				KindCloudTrail:   {Duplicate: n},
				KindLookupEvents: {Duplicate: n},
			}
			s.applySwaps(stats)
			want := map[Kind]Counts{
				KindJSONLines:    {Used: 0, Duplicate: 2 * n},
				KindCloudTrail:   {Used: 0, Duplicate: n},
				KindLookupEvents: {Used: n, Duplicate: 0},
			}
			for k, w := range want {
				if got := *stats[k]; got.Used != w.Used || got.Duplicate != w.Duplicate {
					t.Errorf("%s: used %d duplicate %d, want %d %d", k, got.Used, got.Duplicate, w.Used, w.Duplicate)
				}
			}
		})
	}
}

// TestDedupDeterministic: the same events in files of three kinds give the
// same accounting for every run and worker count: each event is used from
// the file met first in the walk (here: a-lookup.json, of kind
// lookup-events), and is a duplicate in the others.
func TestDedupDeterministic(t *testing.T) {
	dir := t.TempDir()
	const n = 3000
	var recs, lookup []any
	var lines []string
	for i := range n {
		e := map[string]any{"eventVersion": "1.08", "eventTime": "2026-10-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
			"eventName": "ListBuckets", "eventID": fmt.Sprintf("ev-%d", i), "recipientAccountId": "123456789012",
			"userIdentity": map[string]any{"type": "IAMUser", "accountId": "123456789012", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"}}
		b, _ := json.Marshal(e)
		recs = append(recs, e)
		lines = append(lines, string(b))
		if i%2 == 0 {
			lookup = append(lookup, map[string]any{"EventId": e["eventID"], "CloudTrailEvent": string(b)})
		}
	}
	trail, _ := json.Marshal(map[string]any{"Records": recs})
	look, _ := json.Marshal(map[string]any{"Events": lookup})
	write(t, dir, "a-lookup.json", look)
	write(t, dir, "b-trail.json", trail)
	write(t, dir, "c-lines.json", []byte(strings.Join(lines, "\n")+"\n"))

	var first string
	for _, workers := range []int{1, 2, 3, 4, 2, 3, 4} {
		for _, budget := range []int64{0, 16 << 10} {
			t.Setenv("TMPDIR", t.TempDir())
			res, sink := run(t, []string{dir}, Options{Workers: workers, BatchRows: 97, DedupMemory: budget})
			if len(sink.rows) != n {
				t.Fatalf("%d rows delivered, want %d", len(sink.rows), n)
			}
			got := fmt.Sprintf("%+v %+v %+v", *res.Stats[KindLookupEvents], *res.Stats[KindCloudTrail], *res.Stats[KindJSONLines])
			if first == "" {
				first = got
				if c := res.Stats[KindLookupEvents]; c.Used != n/2 || c.Duplicate != 0 {
					t.Errorf("lookup-events (first in the walk): %+v, want all %d used", *c, n/2)
				}
				if c := res.Stats[KindCloudTrail]; c.Used != n/2 || c.Duplicate != n/2 {
					t.Errorf("cloudtrail: %+v, want %d used and %d duplicate", *c, n/2, n/2)
				}
				if c := res.Stats[KindJSONLines]; c.Used != 0 || c.Duplicate != n {
					t.Errorf("json-lines (last in the walk): %+v, want all %d duplicate", *c, n)
				}
			} else if got != first {
				t.Fatalf("workers=%d budget=%d: accounting %s differs from the first run's %s", workers, budget, got, first)
			}
		}
	}
	_ = filepath.Join
}
