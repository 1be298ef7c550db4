package analyze

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

const acct = "111111111111"

// asOf is the clock of every test.
var asOf = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// ago is asOf minus d.
func ago(d time.Duration) time.Time { return asOf.Add(-d) }

func days(n int) time.Duration { return time.Duration(n) * Day }

// used is an active key rotated at rot and last used at use.
func used(rot, use time.Time) *Key {
	return &Key{Active: true, LastRotated: rot, LastUsed: use, LastUsedState: credreport.StateUsed}
}

// never is an active key rotated at rot and never used.
func never(rot time.Time) *Key {
	return &Key{Active: true, LastRotated: rot, LastUsedState: credreport.StateNever}
}

// noInfo is an active key rotated at rot whose use IAM does not know.
func noInfo(rot time.Time) *Key {
	return &Key{Active: true, LastRotated: rot, LastUsedState: credreport.StateNoInformation}
}

// off returns a copy of k made inactive.
func off(k *Key) *Key {
	c := *k
	c.Active = false
	return &c
}

// user returns the per-key rows of IAM user name in account acct; a nil
// slot does not exist.
func user(name string, k1, k2 *Key) []Key {
	return userIn(acct, name, k1, k2)
}

func userIn(account, name string, k1, k2 *Key) []Key {
	return rows(account, name, "arn:aws:iam::"+account+":user/"+name, false, k1, k2)
}

// root returns the per-key rows of the root user of acct.
func root(k1, k2 *Key) []Key {
	return rows(acct, "<root_account>", "arn:aws:iam::"+acct+":root", true, k1, k2)
}

func rows(account, name, arn string, isRoot bool, k1, k2 *Key) []Key {
	var out []Key
	count, activeCount := 0, 0
	for _, k := range []*Key{k1, k2} {
		if k != nil {
			count++
			if k.Active {
				activeCount++
			}
		}
	}
	for i, k := range []*Key{k1, k2} {
		if k == nil {
			continue
		}
		r := *k
		r.AccountID, r.User, r.ARN, r.IsRoot = account, name, arn, isRoot
		r.Slot = i + 1
		r.UserKeyCount, r.UserActiveKeys = count, activeCount
		out = append(out, r)
	}
	return out
}

func concat(groups ...[]Key) []Key {
	var out []Key
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// keyRecord builds a per-key record (credreport.KeySchema) from ks; zero
// times are nulls. The caller releases it.
func keyRecord(t testing.TB, mem memory.Allocator, ks []Key) arrow.Record {
	t.Helper()
	b := array.NewRecordBuilder(mem, credreport.KeySchema)
	defer b.Release()
	idx := func(name string) int {
		is := credreport.KeySchema.FieldIndices(name)
		if len(is) != 1 {
			t.Fatalf("KeySchema has no column %q", name)
		}
		return is[0]
	}
	str := func(name, v string, null bool) {
		sb := b.Field(idx(name)).(*array.StringBuilder)
		if null {
			sb.AppendNull()
		} else {
			sb.Append(v)
		}
	}
	ts := func(name string, v time.Time) {
		tb := b.Field(idx(name)).(*array.TimestampBuilder)
		if v.IsZero() {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(v.UnixMilli()))
		}
	}
	for _, k := range ks {
		str(credreport.KColAccountID, k.AccountID, false)
		str(credreport.KColUser, k.User, false)
		str(credreport.KColARN, k.ARN, false)
		b.Field(idx(credreport.KColIsRoot)).(*array.BooleanBuilder).Append(k.IsRoot)
		b.Field(idx(credreport.KColKeySlot)).(*array.Int32Builder).Append(int32(k.Slot))
		b.Field(idx(credreport.KColActive)).(*array.BooleanBuilder).Append(k.Active)
		ts(credreport.KColLastRotated, k.LastRotated)
		ts(credreport.KColLastUsed, k.LastUsed)
		str(credreport.KColLastUsedState, k.LastUsedState, false)
		str(credreport.KColLastUsedRegion, "", true)
		str(credreport.KColLastUsedService, "", true)
		b.Field(idx(credreport.KColUserKeyCount)).(*array.Int32Builder).Append(int32(k.UserKeyCount))
		b.Field(idx(credreport.KColUserActiveKeys)).(*array.Int32Builder).Append(int32(k.UserActiveKeys))
		ts(credreport.KColReportGenerated, asOf)
		str(credreport.KColSourceFile, "test.csv", false)
		b.Field(idx(credreport.KColSourceLine)).(*array.Int64Builder).Append(2)
	}
	return b.NewRecord()
}

// newMem returns a checked allocator that fails t if anything leaks.
func newMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// runRule runs one rule over ks at cfg (defaults filled in).
func runRule(t *testing.T, r KeyRule, cfg Config, ks []Key) []Finding {
	t.Helper()
	mem := newMem(t)
	rec := keyRecord(t, mem, ks)
	defer rec.Release()
	v, err := NewKeyView(rec)
	if err != nil {
		t.Fatal(err)
	}
	var out []Finding
	r.Check(cfg, v, func(f Finding) { out = append(out, f) })
	SortFindings(out)
	return out
}

// fmtFinding is a one-line rendering of f for comparisons and goldens.
func fmtFinding(f Finding) string {
	tm := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	s := fmt.Sprintf("%s %s %s %s slot=%d id=%q status=%q rotated=%s used=%s age=%d %q",
		f.Severity, f.Rule, f.AccountID, f.User, f.KeySlot, f.AccessKeyID, f.KeyStatus,
		tm(f.LastRotated), tm(f.LastUsed), f.AgeDays, f.Detail)
	if f.Muted {
		s += fmt.Sprintf(" muted=%q", f.MuteReason)
	}
	return s
}

func fmtFindings(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmtFinding(f)
	}
	return out
}

func diffLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings differ\n got:\n  %s\nwant:\n  %s",
			strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
