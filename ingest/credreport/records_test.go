package credreport

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/internal/golden"
)

// recordReports returns the reports the record tests build from: the
// sample CSV (account 111122223333) and a JSON report of another account
// given first, so that the sort by account shows.
func recordReports(t *testing.T) []*Report {
	other := []byte(lines(testHeader,
		testRow("zed", map[string]string{csvARN: "arn:aws:iam::000011112222:user/zed", csvKey2Active: "true", csvKey2LastRotated: "2025-06-01T00:00:00Z"}),
		testRow("amy", map[string]string{csvARN: "arn:aws:iam::000011112222:user/amy", csvKey1Active: "false"})))
	return []*Report{
		mustParse(t, "sample.csv", readFile(t, "testdata/sample.csv")),
		mustParse(t, "other.json", cliJSON(t, other, "2026-11-25T06:00:00Z")),
	}
}

func TestBuildCredentialRecord(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := BuildCredentialRecord(mem, recordReports(t))
	defer rec.Release()
	if !rec.Schema().Equal(CredentialSchema) {
		t.Fatalf("schema %v", rec.Schema())
	}
	if rec.NumRows() != 6 {
		t.Fatalf("%d rows", rec.NumRows())
	}
	col := func(name string) arrow.Array { return rec.Column(CredentialSchema.FieldIndices(name)[0]) }
	users := col(ColUser).(*array.String)
	want := []string{"amy", "zed", "<root_account>", "alice", "bob", "ops,deploy"}
	for i, w := range want {
		if users.Value(i) != w {
			t.Errorf("row %d user %q, want %q (sorted by account, then user)", i, users.Value(i), w)
		}
	}
	// root: password_enabled true (newer report style), next rotation null.
	if pe := col(ColPasswordEnabled).(*array.Boolean); pe.IsNull(2) || !pe.Value(2) {
		t.Errorf("root password_enabled")
	}
	if col(ColPasswordNextRotation).IsValid(2) || col(ColKey1LastRotated).IsValid(2) {
		t.Errorf("root sentinels not null")
	}
	if s := col(ColPasswordLastUsedState).(*array.String); s.Value(3) != StateNoInformation || s.Value(4) != StateNever || s.Value(2) != StateUsed {
		t.Errorf("password states %q %q %q", s.Value(2), s.Value(3), s.Value(4))
	}
	if gen := col(ColReportGeneratedTime); gen.IsNull(0) || gen.IsValid(2) {
		t.Errorf("report_generated_time: JSON report set, CSV null")
	}
	if r := col(ColKey1LastUsedRegion); r.IsValid(3) || r.IsNull(5) {
		t.Errorf("regions: N/A must be null")
	}
	checkGolden(t, "credentials.golden.jsonl", rec)
}

func TestBuildKeyRecord(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := BuildKeyRecord(mem, recordReports(t))
	defer rec.Release()
	if !rec.Schema().Equal(KeySchema) {
		t.Fatalf("schema %v", rec.Schema())
	}
	// amy 1 (inactive), zed 2 (both active), alice 2, ops,deploy 2 (one
	// inactive but rotated), bob 0, root 0.
	type key struct {
		user       string
		slot       int32
		active     bool
		n, nActive int32
		state      string
	}
	want := []key{
		{"amy", 1, false, 1, 0, StateUsed},
		{"zed", 1, true, 2, 2, StateUsed},
		{"zed", 2, true, 2, 2, StateNever},
		{"alice", 1, true, 2, 2, StateNoInformation},
		{"alice", 2, true, 2, 2, StateUsed},
		{"ops,deploy", 1, true, 2, 1, StateUsed},
		{"ops,deploy", 2, false, 2, 1, StateNever},
	}
	if int(rec.NumRows()) != len(want) {
		t.Fatalf("%d rows, want %d", rec.NumRows(), len(want))
	}
	col := func(name string) arrow.Array { return rec.Column(KeySchema.FieldIndices(name)[0]) }
	for i, w := range want {
		got := key{
			col(KColUser).(*array.String).Value(i),
			col(KColKeySlot).(*array.Int32).Value(i),
			col(KColActive).(*array.Boolean).Value(i),
			col(KColUserKeyCount).(*array.Int32).Value(i),
			col(KColUserActiveKeys).(*array.Int32).Value(i),
			col(KColLastUsedState).(*array.String).Value(i),
		}
		if got != w {
			t.Errorf("row %d = %+v, want %+v", i, got, w)
		}
		if col(KColLastRotated).IsNull(i) {
			t.Errorf("row %d: null last_rotated", i)
		}
		if (w.state == StateUsed) != col(KColLastUsed).IsValid(i) {
			t.Errorf("row %d: last_used validity does not match state %s", i, w.state)
		}
	}
	checkGolden(t, "keys.golden.jsonl", rec)
}

func TestBuildRecordsEmpty(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, in := range [][]*Report{nil, {nil}, {{File: "empty"}}} {
		c := BuildCredentialRecord(mem, in)
		k := BuildKeyRecord(mem, in)
		if c == nil || k == nil || c.NumRows() != 0 || k.NumRows() != 0 || c.NumCols() != int64(len(CredentialSchema.Fields())) {
			t.Errorf("empty input: %v %v", c, k)
		}
		c.Release()
		k.Release()
	}
}

// checkGolden compares rec, as JSON lines, with testdata/name (-update
// rewrites it).
func checkGolden(t *testing.T, name string, rec arrow.Record) {
	t.Helper()
	var buf bytes.Buffer
	if err := array.RecordToJSON(rec, &buf); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", name), buf.Bytes())
}
