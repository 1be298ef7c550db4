package inventory

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/internal/factstest"
	"github.com/keyaudit/keyaudit/internal/golden"
)

// render is everything an Inventory gives, as text: the keys (with their
// top IPs and agents), the key and rotation records, the rotations and
// the findings, as of asOf.
func render(t *testing.T, inv *Inventory, asOf time.Time) string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cfg := analyze.DefaultConfig(asOf)
	kr := inv.KeyRecord(mem, asOf)
	defer kr.Release()
	rr := inv.RotationRecord(mem, cfg)
	defer rr.Release()
	var sb strings.Builder
	fmt.Fprintf(&sb, "events %d, accounts %v\n", inv.Events, inv.Accounts)
	for _, k := range inv.Keys {
		fmt.Fprintf(&sb, "%+v\n", k)
	}
	for _, r := range inv.Rotations() {
		fmt.Fprintf(&sb, "%+v\n", r)
	}
	sb.WriteString(dump(kr))
	sb.WriteString(dump(rr))
	sb.WriteString(findingLines(inv.Findings(cfg)))
	return sb.String()
}

// feeds are the ways of giving the facts of recs (event records) to a
// Builder: each returns a fresh Builder fed by it. The straight path is
// the Set as the Aggregator made it; then shuffled rows in small batches
// and tables in random order; then Aggregators that flush partial
// aggregates every few groups. The caller releases the Set.
func feeds(t *testing.T, mem memory.Allocator, recs []arrow.Record, opts Options) (map[string]func() *Builder, *facts.Set) {
	t.Helper()
	set := &facts.Set{}
	agg := facts.NewAggregator(mem, facts.Options{}, set)
	for _, r := range recs {
		if err := agg.Events(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	out := map[string]func() *Builder{
		"straight": func() *Builder {
			b := New(opts)
			if err := set.Replay(b); err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
	for _, seed := range []uint64{1, 2, 3} {
		for _, batch := range []int{1, 3} {
			out[fmt.Sprintf("shuffled seed %d batch %d", seed, batch)] = func() *Builder {
				sh, err := factstest.Shuffle(mem, set, seed, batch)
				if err != nil {
					t.Fatal(err)
				}
				defer sh.Release()
				b := New(opts)
				if err := factstest.ReplayShuffled(sh, seed, b); err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
	}
	for _, n := range []int{1, 2, 5} {
		out[fmt.Sprintf("MaxGroups %d", n)] = func() *Builder {
			b := New(opts)
			agg := facts.NewAggregator(mem, facts.Options{MaxGroups: n, BatchRows: 2}, b)
			for _, r := range recs {
				if err := agg.Events(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := agg.Close(); err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	return out, set
}

// checkFacts fails t unless every way of feeding the facts of recs gives
// want (the render of the events path).
func checkFacts(t *testing.T, mem memory.Allocator, recs []arrow.Record, opts Options, reports []*credreport.Report, fileKeys []string, asOf time.Time, want string) {
	t.Helper()
	fs, set := feeds(t, mem, recs, opts)
	defer set.Release()
	for name, feed := range fs {
		b := feed()
		b.AddCredentialsFileKeys(fileKeys)
		if got := render(t, b.Finish(reports), asOf); got != want {
			t.Errorf("%s: the facts give another inventory than the events:\n%s", name, golden.Diff([]byte(want), []byte(got)))
		}
	}
}

// TestFactsDemo: the demo's trails and reports give the same inventory,
// rotations and findings through Add and through their facts, however the
// rows are ordered, batched and grouped.
func TestFactsDemo(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var recs []arrow.Record
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	b := New(Options{Mem: mem})
	res, err := ingest.Run(context.Background(), []string{"../../testdata/demo/cloudtrail", "../../testdata/demo/reports"},
		ingest.Options{Mem: mem, Workers: 1}, sinkFunc(func(rec arrow.Record) error {
			rec.Retain()
			recs = append(recs, rec)
			return b.Add(rec)
		}))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Reports) == 0 || len(recs) == 0 {
		t.Fatalf("%d reports, %d records: the demo should give both", len(res.Reports), len(recs))
	}
	b.AddCredentialsFileKeys(res.KeyIDs)
	asOf := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	inv := b.Finish(res.Reports)
	if len(inv.Keys) == 0 || len(inv.Rotations()) == 0 || len(inv.Findings(analyze.DefaultConfig(asOf))) == 0 {
		t.Fatalf("the demo gives %d keys, %d rotations, %d findings: the test needs some of each", len(inv.Keys), len(inv.Rotations()), len(inv.Findings(analyze.DefaultConfig(asOf))))
	}
	checkFacts(t, mem, recs, Options{}, res.Reports, res.KeyIDs, asOf, render(t, inv, asOf))
}

// TestFactsGuard: past MaxValues, which values are kept and what the rest
// counts do not depend on the order or grouping of the rows either.
func TestFactsGuard(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var evs []*ct.Event
	for i := 0; i < 40; i++ {
		e := call(at(time.Duration(i%13)*time.Hour), acctA, "alice", k1)
		e.Set(ct.ColSourceIPAddress, fmt.Sprintf("198.51.100.%d", i%17))
		e.Set(ct.ColUserAgent, fmt.Sprintf("agent/%d", i%11))
		evs = append(evs, e)
	}
	rec := record(mem, evs...)
	defer rec.Release()
	opts := Options{MaxValues: 4, TopN: 6}
	b := New(opts)
	if err := b.Add(rec); err != nil {
		t.Fatal(err)
	}
	inv := b.Finish(nil)
	k, _ := inv.Key(k1)
	if k.SourceIPsExact || len(k.TopSourceIPs) != 5 || k.TopSourceIPs[0].Value != OtherValue {
		t.Fatalf("past the guard: exact %v, top %+v", k.SourceIPsExact, k.TopSourceIPs)
	}
	checkFacts(t, mem, []arrow.Record{rec}, opts, nil, nil, at(30*day), render(t, inv, at(30*day)))
}
