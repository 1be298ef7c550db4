package analyze

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/keyaudit/keyaudit/ingest/credreport"
	"github.com/keyaudit/keyaudit/internal/golden"
)

// mixedAccount is one account with one case for every rule, spread over
// two records with a user split across them.
func mixedRecords() [][]Key {
	a := user("alice", used(ago(days(143)), ago(days(2))), nil)                       // stale
	b := user("bob", never(ago(days(60))), never(ago(days(5))))                       // unused slot 1, two active
	c := user("carol", used(ago(days(10)), ago(days(1))), off(never(ago(days(400))))) // quota
	d := userIn("222222222222", "ci-bot", noInfo(ago(days(200))), nil)                // stale + unused
	r := root(off(never(ago(days(30)))), used(ago(days(1000)), ago(days(1))))
	e := user("erin", used(ago(days(1)), ago(days(1))), nil) // clean
	return [][]Key{
		concat(a, b[:1], c, r),
		concat(b[1:], d, e),
	}
}

func evaluateKeys(t *testing.T, cfg Config, groups ...[]Key) []Finding {
	t.Helper()
	mem := newMem(t)
	var recs []arrow.Record
	for _, g := range groups {
		rec := keyRecord(t, mem, g)
		defer rec.Release()
		recs = append(recs, rec)
	}
	fs, err := EvaluateRecords(cfg, recs)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestEvaluateGolden(t *testing.T) {
	got := strings.Join(fmtFindings(evaluateKeys(t, DefaultConfig(asOf), mixedRecords()...)), "\n") + "\n"
	golden.Check(t, filepath.Join("testdata", "evaluate.golden"), []byte(got))
}

func TestEvaluateOrder(t *testing.T) {
	fs := evaluateKeys(t, DefaultConfig(asOf), mixedRecords()...)
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for i := 1; i < len(fs); i++ {
		a, b := fs[i-1], fs[i]
		if compareFindings(a, b) >= 0 {
			t.Errorf("findings %d and %d out of order:\n  %s\n  %s", i-1, i, fmtFinding(a), fmtFinding(b))
		}
		if a.Severity < b.Severity {
			t.Errorf("severity not descending at %d", i)
		}
	}
	// Order does not depend on the order of the input records or rows.
	recs := mixedRecords()
	var rev [][]Key
	for i := len(recs) - 1; i >= 0; i-- {
		g := slices.Clone(recs[i])
		slices.Reverse(g)
		rev = append(rev, g)
	}
	diffLines(t, fmtFindings(evaluateKeys(t, DefaultConfig(asOf), rev...)), fmtFindings(fs))
}

func TestCompareFindingsTotal(t *testing.T) {
	base := Finding{Rule: "stale-key", Severity: High, AccountID: acct, User: "a", KeySlot: 1, AgeDays: 3}
	variants := []func(*Finding){
		func(f *Finding) { f.Severity = Critical },
		func(f *Finding) { f.AccountID = "000000000000" },
		func(f *Finding) { f.User = "0" },
		func(f *Finding) { f.KeySlot = 0 },
		func(f *Finding) { f.Rule = "at-key-quota" },
		func(f *Finding) { f.ARN = "arn" },
		func(f *Finding) { f.AccessKeyID = "AKIA" },
		func(f *Finding) { f.KeyStatus = "Active" },
		func(f *Finding) { f.LastRotated = asOf },
		func(f *Finding) { f.LastUsed = asOf },
		func(f *Finding) { f.AgeDays = 2 },
		func(f *Finding) { f.Detail = "d" },
		func(f *Finding) { f.Muted = true },
		func(f *Finding) { f.Muted, f.MuteReason = true, "r" },
	}
	for i, v := range variants {
		f := base
		v(&f)
		if c := compareFindings(f, base); c == 0 || c != -compareFindings(base, f) {
			t.Errorf("variant %d: compare(f, base) = %d, compare(base, f) = %d, want opposite non-zero",
				i, compareFindings(f, base), compareFindings(base, f))
		}
	}
	if compareFindings(base, base) != 0 {
		t.Error("compare(base, base) != 0")
	}
}

func TestEvaluateSkip(t *testing.T) {
	cfg := DefaultConfig(asOf)
	cfg.Skip = map[string]bool{RuleStaleKey: true, RuleRootAccessKey: true, "not-a-key-rule": true}
	for _, f := range evaluateKeys(t, cfg, mixedRecords()...) {
		if f.Rule == RuleStaleKey || f.Rule == RuleRootAccessKey {
			t.Errorf("skipped rule ran: %s", fmtFinding(f))
		}
	}
}

func TestEvaluateDuplicates(t *testing.T) {
	ks := user("a", never(ago(days(100))), nil)
	once := evaluateKeys(t, DefaultConfig(asOf), ks)
	twice := evaluateKeys(t, DefaultConfig(asOf), ks, ks)
	diffLines(t, fmtFindings(twice), fmtFindings(once))
	if len(once) != 2 { // stale and unused
		t.Errorf("got %d findings, want 2: %q", len(once), fmtFindings(once))
	}
	if fs := evaluateKeys(t, DefaultConfig(asOf)); len(fs) != 0 {
		t.Errorf("no records: got %d findings", len(fs))
	}
}

func TestEvaluateErrors(t *testing.T) {
	mem := newMem(t)
	good := keyRecord(t, mem, user("a", never(ago(days(1))), nil))
	defer good.Release()

	// A record of another schema: key_slot as int64.
	fields := slices.Clone(credreport.KeySchema.Fields())
	for i := range fields {
		if fields[i].Name == credreport.KColKeySlot {
			fields[i].Type = arrow.PrimitiveTypes.Int64
		}
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	bad := b.NewRecord()
	b.Release()
	defer bad.Release()

	// A record missing a column.
	b2 := array.NewRecordBuilder(mem, arrow.NewSchema(credreport.KeySchema.Fields()[:5], nil))
	short := b2.NewRecord()
	b2.Release()
	defer short.Release()

	tests := []struct {
		name string
		cfg  Config
		recs []arrow.Record
		want error
		msg  string
	}{
		{"zero as-of", Config{}, []arrow.Record{good}, ErrConfig, "as-of time not set"},
		{"negative limit", Config{AsOf: asOf, MaxUnused: -time.Hour}, []arrow.Record{good}, ErrConfig, "max unused is negative"},
		{"wrong type", DefaultConfig(asOf), []arrow.Record{good, bad}, ErrKeySchema, `evaluate key record 1: record is not a per-key view: column "key_slot" has type int64, want INT32`},
		{"missing column", DefaultConfig(asOf), []arrow.Record{short}, ErrKeySchema, `want one column "last_used_state", have 0`},
		{"nil record", DefaultConfig(asOf), []arrow.Record{nil}, ErrKeySchema, "nil record"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EvaluateRecords(tt.cfg, tt.recs)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
	t.Run("Evaluate panics", func(t *testing.T) {
		defer func() {
			if r := recover(); r == nil {
				t.Error("no panic")
			}
		}()
		Evaluate(Config{}, []arrow.Record{good})
	})
}

func TestRuleMetadata(t *testing.T) {
	ids := RuleIDs()
	want := []string{RuleRootAccessKey, RuleStaleKey, RuleUnusedKey, RuleTwoActiveKeys, RuleAtKeyQuota}
	if !slices.Equal(ids, want) {
		t.Errorf("RuleIDs = %q, want %q", ids, want)
	}
	for i, info := range RuleInfos() {
		if info.ID != ids[i] || info.Description == "" || info.Severity == "" {
			t.Errorf("rule %d: incomplete info %+v", i, info)
		}
		for _, s := range strings.Split(info.Severity, "/") {
			if _, err := ParseSeverity(s); err != nil {
				t.Errorf("rule %s: severity %q: %v", info.ID, info.Severity, err)
			}
		}
		got, ok := LookupRule(info.ID)
		if !ok || got.ID != info.ID {
			t.Errorf("LookupRule(%q) = %+v, %v", info.ID, got, ok)
		}
	}
	if _, ok := LookupRule("nope"); ok {
		t.Error("LookupRule(nope) found a rule")
	}
	stale, _ := LookupRule(RuleStaleKey)
	if !slices.Equal(stale.CIS, []string{"1.14"}) || !slices.Equal(stale.SecurityHub, []string{"IAM.3"}) {
		t.Errorf("stale-key ids: %+v", stale)
	}
}

// TestDocRulesTable keeps the rules table of doc.go in step with RuleInfos.
func TestDocRulesTable(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(doc), "\n")
	for _, info := range RuleInfos() {
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "//\t"+info.ID+" ") })
		if i < 0 {
			t.Errorf("doc.go rules table has no row for %s", info.ID)
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(lines[i], "//"))
		want := []string{info.ID, info.Severity, orDash(info.CIS), orDash(info.SecurityHub)}
		if len(fields) < 4 || !slices.Equal(fields[:4], want) {
			t.Errorf("doc.go row %q, want it to start with %q", lines[i], want)
		}
	}
}

func orDash(ids []string) string {
	if len(ids) == 0 {
		return "-"
	}
	return strings.Join(ids, ",")
}

// TestZeroThresholdsMeanZero: a zero limit is a limit of zero, never the
// default: every active key older than 0 days is stale and unused.
func TestZeroThresholdsMeanZero(t *testing.T) {
	ks := append(user("a", never(ago(days(2))), nil), user("b", used(ago(days(10)), ago(time.Hour)), nil)...)
	ks = append(ks, user("c", never(asOf), nil)...) // rotated at the as-of time: age 0, not older
	cfg := DefaultConfig(asOf)
	cfg.MaxKeyAge, cfg.MaxUnused = 0, 0
	diffLines(t, fmtFindings(evaluateKeys(t, cfg, ks)), []string{
		`high stale-key 111111111111 a slot=1 id="" status="Active" rotated=2026-11-24T12:00:00Z used=- age=2 "key 1 last rotated 2 days ago (limit 0 days)"`,
		`high stale-key 111111111111 b slot=1 id="" status="Active" rotated=2026-11-16T12:00:00Z used=2026-11-26T11:00:00Z age=10 "key 1 last rotated 10 days ago (limit 0 days)"`,
		`medium unused-key 111111111111 a slot=1 id="" status="Active" rotated=2026-11-24T12:00:00Z used=- age=2 "key 1 never used; created or rotated 2 days ago (limit 0 days)"`,
		`medium unused-key 111111111111 b slot=1 id="" status="Active" rotated=2026-11-16T12:00:00Z used=2026-11-26T11:00:00Z age=0 "key 1 last used less than a day ago (limit 0 days)"`,
	})
	// A Config with no thresholds set is a Config of zero thresholds.
	diffLines(t, fmtFindings(evaluateKeys(t, Config{AsOf: asOf}, ks)), fmtFindings(evaluateKeys(t, cfg, ks)))
}
