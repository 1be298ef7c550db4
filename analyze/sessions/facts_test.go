package sessions

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/facts"
	"github.com/keyaudit/keyaudit/ingest"
	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/internal/ctgen"
	"github.com/keyaudit/keyaudit/internal/datasets"
	"github.com/keyaudit/keyaudit/internal/factstest"
	"github.com/keyaudit/keyaudit/internal/golden"
)

// snapshot renders everything a Result tells: the golden rendering
// (sessions and the unattributed summary), the SessionsRecord at a fixed
// as-of time, and the chain of every key.
func snapshot(t *testing.T, r *Result) string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var b strings.Builder
	b.WriteString(render(r))
	rec := SessionsRecord(mem, r.Sessions, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := 0; i < int(rec.NumRows()); i++ {
		for c := 0; c < int(rec.NumCols()); c++ {
			if c > 0 {
				b.WriteByte('|')
			}
			b.WriteString(rec.Column(c).ValueStr(i))
		}
		b.WriteByte('\n')
	}
	rec.Release()
	for _, s := range r.Sessions {
		b.WriteString(s.AccessKeyID + ":\n")
		for _, h := range r.Chain(s.AccessKeyID) {
			b.WriteString("  " + h.String() + "\n")
		}
	}
	return b.String()
}

// eventSource is an input of the order tests: load returns its event
// records (an ingest run, or fixture events), which the caller releases.
type eventSource struct {
	name string
	load func(t *testing.T, mem memory.Allocator) *keep
}

func ingestSource(name string, paths ...string) eventSource {
	return eventSource{name, func(t *testing.T, mem memory.Allocator) *keep {
		t.Helper()
		k := &keep{}
		res, err := ingest.Run(context.Background(), paths, ingest.Options{Mem: mem, Workers: 2}, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Errors {
			t.Errorf("ingest: %v", e)
		}
		return k
	}}
}

func fixtureSource(name string, events []*ct.Event) eventSource {
	return eventSource{name, func(t *testing.T, mem memory.Allocator) *keep {
		t.Helper()
		return &keep{recs: records(t, mem, events, 5)}
	}}
}

// feed hands every record of k to sink.
func (k *keep) feed(t *testing.T, sink ingest.EventSink) {
	t.Helper()
	for _, rec := range k.recs {
		if err := sink.Events(rec); err != nil {
			t.Fatal(err)
		}
	}
}

// aggregateSet turns the events of k into facts, kept in a Set. The
// caller releases it.
func aggregateSet(t *testing.T, mem memory.Allocator, k *keep, opts facts.Options) *facts.Set {
	t.Helper()
	set := &facts.Set{}
	agg := facts.NewAggregator(mem, opts, set)
	k.feed(t, agg)
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	return set
}

func orderSources(t *testing.T) []eventSource {
	var all []*ct.Event
	for _, sc := range scenarios() {
		all = append(all, sc.events...)
	}
	srcs := []eventSource{fixtureSource("fixtures", all), ingestSource("demo", "../../testdata/demo/cloudtrail")}
	if !testing.Short() {
		g, err := ctgen.New(ctgen.Config{Events: 6000, Files: 6, Accounts: 3, Seed: 1, Org: "o-keyaudit1", Dups: 0.02})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := g.WriteTo(dir); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, ingestSource("ctgen", dir))
	}
	if dir, err := datasetsPath("grycap-cloudtrail-tracker"); err == nil {
		srcs = append(srcs, ingestSource("grycap", dir))
	}
	if dir, err := datasetsPath("invictus-ir-aws-dataset"); err == nil {
		srcs = append(srcs, ingestSource("invictus", dir))
	}
	return srcs
}

// datasetsPath is a shared CloudTrail sample, or an error when absent.
func datasetsPath(name string) (string, error) {
	return datasets.Find(filepath.Join("cloudtrail", name))
}

// TestFactsOrderIndependence: the Builder fed facts gives the result of
// the events path (Add) byte for byte, whatever the order of the rows and
// tables, the size of the records, and the partial flushes of the
// producer.
func TestFactsOrderIndependence(t *testing.T) {
	for _, src := range orderSources(t) {
		t.Run(src.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)

			events := src.load(t, mem)
			defer events.release()
			straight := New(Options{Mem: mem})
			events.feed(t, straight)
			want := snapshot(t, straight.Finish())

			// Every table, as a reader would hand them over.
			full := aggregateSet(t, mem, events, facts.Options{})
			if full.Rows(facts.SessionUse) == 0 || full.Rows(facts.STSIssue) == 0 {
				t.Fatalf("%d session_use and %d sts_issue rows: the input tests little", full.Rows(facts.SessionUse), full.Rows(facts.STSIssue))
			}
			b := New()
			err := full.Replay(b)
			full.Release()
			if err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, b.Finish()); got != want {
				t.Fatalf("facts replayed in order differ from Add:\n%s", golden.Diff([]byte(got), []byte(want)))
			}

			// From here on, without the tables sessions does not read (they
			// only make the shuffles and flushes slow).
			slim := facts.Options{Skip: []facts.Table{facts.KeyUse, facts.KeyLifecycle}}
			set := aggregateSet(t, mem, events, slim)
			defer set.Release()

			for _, seed := range []uint64{1, 2, 3, 5, 8} {
				batch := []int{1, 2, 3, 7, 64}[seed%5]
				sh, err := factstest.Shuffle(mem, set, seed, batch)
				if err != nil {
					t.Fatal(err)
				}
				b := New()
				err = factstest.ReplayShuffled(sh, seed, b)
				sh.Release()
				if err != nil {
					t.Fatal(err)
				}
				if got := snapshot(t, b.Finish()); got != want {
					t.Fatalf("seed %d batch %d: shuffled facts differ from Add:\n%s", seed, batch, golden.Diff([]byte(got), []byte(want)))
				}
			}

			// Partial flushes: repeated grain rows, sts_issue rows of one key
			// in several records.
			for _, max := range []int{1, 3, 50} {
				b := New()
				opts := slim
				opts.MaxGroups, opts.BatchRows = max, 5
				agg := facts.NewAggregator(mem, opts, b)
				events.feed(t, agg)
				if err := agg.Close(); err != nil {
					t.Fatal(err)
				}
				if got := snapshot(t, b.Finish()); got != want {
					t.Fatalf("MaxGroups %d: partially flushed facts differ from Add:\n%s", max, golden.Diff([]byte(got), []byte(want)))
				}
			}
			// The same through Add's own Aggregator.
			small := New(Options{Mem: mem, Facts: facts.Options{MaxGroups: 2, BatchRows: 3}})
			events.feed(t, small)
			if got := snapshot(t, small.Finish()); got != want {
				t.Fatalf("Add with MaxGroups 2 differs:\n%s", golden.Diff([]byte(got), []byte(want)))
			}
		})
	}
}

// permutations returns every ordering of xs.
func permutations[T any](xs []T) [][]T {
	if len(xs) <= 1 {
		return [][]T{slices.Clone(xs)}
	}
	var out [][]T
	for i := range xs {
		rest := append(slices.Clone(xs[:i]), xs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]T{xs[i]}, p...))
		}
	}
	return out
}

// TestConflictOrder: "copy of" is not transitive. A and B are copies
// (same sharedEventID), B and C are copies (same requestID), A and C are
// not. Folded in arrival order, A B C marked a conflict (C is not a copy
// of A, kept since the start) while C B A did not (each record was a copy
// of the one kept before it). Replayed in canonical order, A is kept and
// C conflicts with it, in every order, through Add and through Facts.
func TestConflictOrder(t *testing.T) {
	const key = "ASIACONFLICTORDER001"
	role := "arn:aws:iam::" + acctA + ":role/r"
	issue := func(id, at, shared, req, session string) *ct.Event {
		return assumeRole(iamUser(ev(id, at, "AssumeRole"), acctA, "alice", akia), role, session, key).
			Set(ct.ColSharedEventID, shared).Set(ct.ColRequestID, req)
	}
	events := []*ct.Event{
		issue("c1", "2024-12-01T00:00:00Z", "s-1", "r-1", "a"),
		issue("c2", "2024-12-01T00:00:01Z", "s-1", "r-2", "b"),
		issue("c3", "2024-12-01T00:00:02Z", "s-2", "r-2", "c"),
	}
	check := func(t *testing.T, r *Result, order string) {
		t.Helper()
		s := mustSession(t, r, key)
		if s.SessionName != "a" || !strings.Contains(s.Note, "conflicting issuing records; kept the earliest (event c1)") {
			t.Errorf("order %s: session %q note %q, want a and a conflict keeping c1", order, s.SessionName, s.Note)
		}
	}
	for _, p := range permutations([]int{0, 1, 2}) {
		order := fmt.Sprint(p)
		perm := []*ct.Event{events[p[0]], events[p[1]], events[p[2]]}
		check(t, build(t, perm, 1), order)

		// Facts: one sts_issue record per row, in this order.
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		b := New()
		for _, e := range perm {
			one := fixtureSource("one", []*ct.Event{e}).load(t, mem)
			set := aggregateSet(t, mem, one, facts.Options{})
			one.release()
			for _, rec := range set.Records[facts.STSIssue] {
				if err := b.Facts(facts.STSIssue, rec); err != nil {
					t.Fatal(err)
				}
			}
			set.Release()
		}
		check(t, b.Finish(), order)
		mem.AssertSize(t, 0)
	}
}

// TestIssueTieOrder: two records issue one key at the same time, both
// name their caller and neither has an event ID: the remaining columns
// decide which is kept, not the arrival order.
func TestIssueTieOrder(t *testing.T) {
	const key = "ASIAISSUETIEORDER001"
	role := "arn:aws:iam::" + acctA + ":role/r"
	mk := func(session string) *ct.Event {
		e := assumeRole(iamUser(ev("", "2024-12-02T00:00:00Z", "AssumeRole"), acctA, "alice", akia), role, session, key)
		e.Strings[ct.ColEventID] = ""
		return e
	}
	events := []*ct.Event{mk("zeta"), mk("alpha")}
	for _, p := range permutations([]int{0, 1}) {
		r := build(t, []*ct.Event{events[p[0]], events[p[1]]}, 1)
		if s := mustSession(t, r, key); s.SessionName != "alpha" || !strings.Contains(s.Note, "conflicting") {
			t.Errorf("order %v: kept session %q (note %q), want alpha and a conflict", p, s.SessionName, s.Note)
		}
	}
}

// TestFactsErrors: a record without its table's schema is refused with
// facts.ErrSchema; tables sessions does not read are ignored unread.
func TestFactsErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	demo := ingestSource("demo", "../../testdata/demo/cloudtrail").load(t, mem)
	set := aggregateSet(t, mem, demo, facts.Options{})
	demo.release()
	defer set.Release()
	var pr arrow.Record = set.Records[facts.Principals][0]
	b := New()
	if err := b.Facts(facts.SessionUse, pr); !errors.Is(err, facts.ErrSchema) || !strings.Contains(err.Error(), "session_use") {
		t.Errorf("a principals record as session_use: err = %v, want a facts.ErrSchema naming the table", err)
	}
	if err := b.Facts(facts.KeyUse, pr); err != nil {
		t.Errorf("key_use is not read, yet: %v", err)
	}
}
