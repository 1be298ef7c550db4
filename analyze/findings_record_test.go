package analyze

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/keyaudit/keyaudit/internal/golden"
)

func TestFindingSchemaOrder(t *testing.T) {
	want := []string{"rule", "severity", "account_id", "user", "arn", "key_slot", "access_key_id", "key_status",
		"last_rotated", "last_used", "age_days", "detail", "muted", "mute_reason"}
	var got []string
	for _, f := range FindingSchema.Fields() {
		got = append(got, f.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("columns = %q, want %q", got, want)
	}
	if FNumColumns != len(want) {
		t.Errorf("FNumColumns = %d, want %d", FNumColumns, len(want))
	}
	for i, name := range []string{FColRule, FColSeverity, FColAccountID, FColUser, FColARN, FColKeySlot, FColAccessKeyID,
		FColKeyStatus, FColLastRotated, FColLastUsed, FColAgeDays, FColDetail, FColMuted, FColMuteReason} {
		if idx := FindingSchema.FieldIndices(name); len(idx) != 1 || idx[0] != i {
			t.Errorf("column %q at %v, want %d", name, idx, i)
		}
	}
}

func sampleFindings() []Finding {
	return []Finding{
		{
			Rule: RuleStaleKey, Severity: High, AccountID: acct, User: "alice", ARN: "arn:aws:iam::111111111111:user/alice",
			KeySlot: 2, AccessKeyID: "AKIAIOSFODNN7EXAMPLE", KeyStatus: "Active",
			LastRotated: time.Date(2026, 7, 6, 12, 0, 0, 123_456_789, time.UTC), LastUsed: ago(days(2)),
			AgeDays: 143, Detail: "key 2 last rotated 143 days ago (limit 90 days)",
			Muted: true, MuteReason: "rotation ticket SEC-1",
		},
		{
			Rule: RuleTwoActiveKeys, Severity: Medium, AccountID: acct, User: "bob", ARN: "arn:aws:iam::111111111111:user/bob",
			AgeDays: -1, Detail: "user has 2 active access keys",
		},
		{
			Rule: RuleRootAccessKey, Severity: Critical, AccountID: acct, User: "<root_account>", ARN: "arn:aws:iam::111111111111:root",
			KeySlot: 1, KeyStatus: "Inactive", AgeDays: 0, Detail: "root user has inactive access key 1",
			LastRotated: time.Date(2026, 11, 26, 13, 0, 0, 0, time.FixedZone("CET", 3600)),
		},
	}
}

func TestFindingsRecord(t *testing.T) {
	mem := newMem(t)
	fs := sampleFindings()
	rec := FindingsRecord(mem, fs)
	defer rec.Release()
	if !rec.Schema().Equal(FindingSchema) {
		t.Fatalf("schema = %s", rec.Schema())
	}
	if rec.NumRows() != int64(len(fs)) {
		t.Fatalf("rows = %d, want %d", rec.NumRows(), len(fs))
	}
	var buf bytes.Buffer
	if err := array.RecordToJSON(rec, &buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "findings_record.golden.json"), buf.Bytes())

	// Spot checks that do not depend on the golden file.
	slot := rec.Column(FIdxKeySlot).(*array.Int32)
	if slot.Value(0) != 2 || !slot.IsNull(1) {
		t.Errorf("key_slot = %s", slot)
	}
	age := rec.Column(FIdxAgeDays).(*array.Int64)
	if age.Value(0) != 143 || !age.IsNull(1) || age.IsNull(2) || age.Value(2) != 0 {
		t.Errorf("age_days = %s", age)
	}
	rot := rec.Column(FIdxLastRotated).(*array.Timestamp)
	if got := rot.Value(0).ToTime(arrow.Millisecond); !got.Equal(time.Date(2026, 7, 6, 12, 0, 0, 123_000_000, time.UTC)) {
		t.Errorf("last_rotated[0] = %v", got)
	}
	if got := rot.Value(2).ToTime(arrow.Millisecond); !got.Equal(fs[2].LastRotated) {
		t.Errorf("last_rotated[2] = %v, want %v", got, fs[2].LastRotated)
	}
	if used := rec.Column(FIdxLastUsed); !used.IsNull(1) || !used.IsNull(2) || used.IsNull(0) {
		t.Error("last_used nulls wrong")
	}
	for _, c := range []int{FIdxAccessKeyID, FIdxKeyStatus, FIdxMuteReason} {
		if col := rec.Column(c); col.IsNull(0) || !col.IsNull(1) {
			t.Errorf("column %s nulls wrong: %s", FindingSchema.Field(c).Name, col)
		}
	}
	if sev := rec.Column(FIdxSeverity).(*array.String); sev.Value(0) != "high" || sev.Value(2) != "critical" {
		t.Errorf("severity = %s", sev)
	}
	if m := rec.Column(FIdxMuted).(*array.Boolean); !m.Value(0) || m.Value(1) || m.NullN() != 0 {
		t.Errorf("muted = %s", m)
	}
}

func TestFindingsRecordEmpty(t *testing.T) {
	mem := newMem(t)
	rec := FindingsRecord(mem, nil)
	defer rec.Release()
	if rec.NumRows() != 0 || rec.NumCols() != FNumColumns {
		t.Errorf("empty record: %d rows, %d columns", rec.NumRows(), rec.NumCols())
	}
}

func TestSetAccessKeyIDs(t *testing.T) {
	fs := []Finding{
		{AccountID: acct, User: "a", KeySlot: 1},
		{AccountID: acct, User: "a", KeySlot: 2},
		{AccountID: acct, User: "a", KeySlot: 0},
		{AccountID: acct, User: "b", KeySlot: 1, AccessKeyID: "AKIAKEEPKEEPKEEPKEEP"},
		{AccountID: acct, User: "c", KeySlot: 1},
	}
	var calls []string
	SetAccessKeyIDs(fs, func(account, user string, slot int) string {
		calls = append(calls, account+"/"+user+"/"+string(rune('0'+slot)))
		if user == "a" {
			return "AKIAAAAAAAAAAAAAAAA" + string(rune('0'+slot))
		}
		return ""
	})
	var got []string
	for _, f := range fs {
		got = append(got, f.AccessKeyID)
	}
	want := []string{"AKIAAAAAAAAAAAAAAAA1", "AKIAAAAAAAAAAAAAAAA2", "", "AKIAKEEPKEEPKEEPKEEP", ""}
	if !slices.Equal(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
	if wantCalls := []string{acct + "/a/1", acct + "/a/2", acct + "/c/1"}; !slices.Equal(calls, wantCalls) {
		t.Errorf("lookups = %q, want %q", calls, wantCalls)
	}
}
