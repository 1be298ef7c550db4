package inventory

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

func dayOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return dateOf(t)
}

// TestEverySlotListed: the inventory lists every existing key slot of the
// credential reports, with an empty key ID where CloudTrail ties none to
// it, and every key ID of a credentials file, marked by its source.
func TestEverySlotListed(t *testing.T) {
	kFile := keyOf("AKIA", acctA, 40)
	rep := []*credreport.Report{report(acctA, at(0),
		row("alice", slot(true, at(-100*day), time.Time{}, "", ""), slot(false, at(-200*day), at(-150*day), "us-east-1", "s3")),
		row("bob", slot(true, at(-10*day), time.Time{}, "", ""), credreport.KeySlot{}),
		row("carol", credreport.KeySlot{}, credreport.KeySlot{}),
	)}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := New(Options{Mem: mem})
	rec := record(mem, created(at(-100*day), acctA, "admin", kAdmin, "alice", k1, at(-100*day)))
	if err := b.Add(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	b.AddCredentialsFileKeys([]string{k1, kFile, k1})
	inv := b.Finish(rep)

	var got []string
	for _, k := range inv.Keys {
		got = append(got, fmt.Sprintf("%s %s id=%q slot=%s %s created=%s by=%q source=%s",
			k.AccountID, k.User, k.AccessKeyID, k.SlotString(), k.Status, dayOrDash(k.Created), k.ResolvedBy, k.Source))
	}
	want := []string{
		fmt.Sprintf(`111122223333  id=%q slot=unknown unknown created=- by="" source=credentials-file`, kFile),
		fmt.Sprintf(`111122223333 admin id=%q slot=unknown Active created=- by="" source=cloudtrail`, kAdmin),
		`111122223333 alice id="" slot=2 Inactive created=2026-03-17 by="" source=credential-report`,
		fmt.Sprintf(`111122223333 alice id=%q slot=1 Active created=2026-06-25 by="create_date" source=credential-report+cloudtrail+credentials-file`, k1),
		`111122223333 bob id="" slot=1 Active created=2026-09-23 by="" source=credential-report`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("inventory rows:\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if k, ok := inv.Key(kFile); !ok || k.Source != SourceCredentialsFile || !strings.Contains(k.Note, "credentials file") {
		t.Errorf("Key(%s) = %+v, %v", kFile, k, ok)
	}
	if _, ok := inv.Key(""); ok {
		t.Error(`Key("") found a slot row`)
	}
	if fs := inv.Findings(analyze.DefaultConfig(at(30 * day))); len(fs) != 0 {
		t.Errorf("slot and credentials-file rows made findings: %s", findingLines(fs))
	}
	krec := inv.KeyRecord(mem, time.Time{})
	defer krec.Release()
	if krec.NumRows() != int64(len(want)) {
		t.Errorf("KeyRecord has %d rows, want %d", krec.NumRows(), len(want))
	}
}

// TestKeyAges: age_days (since created) and unused_days (since the last
// use) against the as-of time; null, never negative, for a date after it,
// which the note names as audit does; null without an as-of time.
func TestKeyAges(t *testing.T) {
	rep := []*credreport.Report{report(acctA, at(0),
		row("alice", slot(true, at(-10*day-time.Hour), at(-day), "us-east-1", "s3"), credreport.KeySlot{}),
		row("bob", slot(true, at(5*day), time.Time{}, "", ""), credreport.KeySlot{}),
	)}
	inv := build(t, rep, call(at(-2*day), acctA, "carol", k2))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tt := range []struct {
		asOf time.Time
		want string
	}{
		{at(0), `
111122223333,alice,,1,Active,2026-09-23T08:14:28Z,2026-10-02T09:14:28Z,key ID unknown: no key in the logs is tied to this slot,10,1
111122223333,bob,,1,Active,2026-10-08T09:14:28Z,,"key ID unknown: no key in the logs is tied to this slot; created on 2026-10-08, after the as-of time",,
111122223333,carol,` + k2 + `,unknown,Active,,2026-10-01T09:14:28Z,,,2`},
		{time.Time{}, `
111122223333,alice,,1,Active,2026-09-23T08:14:28Z,2026-10-02T09:14:28Z,key ID unknown: no key in the logs is tied to this slot,,
111122223333,bob,,1,Active,2026-10-08T09:14:28Z,,key ID unknown: no key in the logs is tied to this slot,,
111122223333,carol,` + k2 + `,unknown,Active,,2026-10-01T09:14:28Z,,,`},
	} {
		rec := inv.KeyRecord(mem, tt.asOf)
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(dump(rec)), "\n")[1:] {
			f := splitCSV(line)
			got = append(got, strings.Join([]string{f[0], f[1], f[2], f[3], f[4], f[5], f[6], quoteCSV(f[20]), f[22], f[23]}, ","))
		}
		rec.Release()
		if g := "\n" + strings.Join(got, "\n"); g != tt.want {
			t.Errorf("as of %v:\n got:%s\nwant:%s", tt.asOf, g, tt.want)
		}
	}
}

func splitCSV(line string) []string {
	f, err := csv.NewReader(strings.NewReader(line)).Read()
	if err != nil {
		panic(err)
	}
	return f
}

func quoteCSV(v string) string {
	if strings.ContainsAny(v, ",\"\n") {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}
