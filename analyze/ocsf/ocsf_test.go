package ocsf

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/internal/ocsfschema"
	"github.com/keyaudit/keyaudit/report"
)

var asOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func findings() []analyze.Finding {
	rot := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	used := time.Date(2026, 10, 31, 18, 0, 0, 0, time.UTC)
	return []analyze.Finding{
		{Rule: analyze.RuleStaleKey, Severity: analyze.High, AccountID: "111122223333", User: "alice", ARN: "arn:aws:iam::111122223333:user/alice",
			KeySlot: 1, AccessKeyID: "AKIARTX3GSDSVHGUXWVT", KeyStatus: "Active", LastRotated: rot, LastUsed: used, AgeDays: 244, Detail: "stale",
			Status: analyze.StatusUnchanged, FirstSeen: asOf.Add(-30 * analyze.Day)},
		{Rule: analyze.RuleRootAccessKey, Severity: analyze.Critical, AccountID: "777788889999", User: "<root_account>", ARN: "arn:aws:iam::777788889999:root",
			KeySlot: 1, KeyStatus: "Active", LastRotated: rot, AgeDays: 10, Detail: "root", Status: analyze.StatusResolved},
		{Rule: analyze.RuleUnusedKey, Severity: analyze.Medium, AccountID: "111122223333", User: "bob", KeySlot: 2, KeyStatus: "Active",
			AgeDays: 50, Detail: "unused", Muted: true, MuteReason: "SEC-1", Status: analyze.StatusNew, FirstSeen: asOf},
		{Rule: analyze.RuleTwoActiveKeys, Severity: analyze.Low, AccountID: "111122223333", User: "erin", ARN: "arn:aws:iam::111122223333:user/erin", AgeDays: -1, Detail: "two"},
		{Rule: "foreign-key", Severity: analyze.Info, AccountID: "210987654321", User: "partner", AccessKeyID: "AKIATCH6YDSYZCVLFRUW", LastUsed: used, AgeDays: -1, Detail: "foreign"},
	}
}

func rules() []analyze.RuleInfo {
	return append(analyze.RuleInfos(), analyze.RuleInfo{ID: "foreign-key", Description: "a key of another account"})
}

// TestMapping: every field of the mapping, on findings read back from a
// record of the baseline schema, and every event valid OCSF.
func TestMapping(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := analyze.FindingsBaselineRecord(mem, findings())
	defer rec.Release()
	m, err := NewMapper(rec.Schema(), Options{ProductVersion: "v1.2.3 (go1.26.1)", AsOf: asOf, Rules: rules()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := report.NewWriter(report.FormatOCSF, &buf, rec.Schema(), report.Options{Events: m})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	schema, err := ocsfschema.Load(ocsfschema.Dir())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(lines), buf.String())
	}
	var evs []Event
	for i, l := range lines {
		for _, e := range schema.Validate("compliance_finding", []byte(l)) {
			t.Errorf("event %d: %v", i, e)
		}
		var ev Event
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	alice, root, bob, erin, foreign := evs[0], evs[1], evs[2], evs[3], evs[4]
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("type_uid", alice.TypeUID, int64(200301))
	check("time", alice.Time, asOf.UnixMilli())
	check("start_time (last_rotated)", alice.StartTime, time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC).UnixMilli())
	check("end_time (last_used)", alice.EndTime, time.Date(2026, 10, 31, 18, 0, 0, 0, time.UTC).UnixMilli())
	check("first_seen_time", alice.FindingInfo.FirstSeenTime, asOf.Add(-30*analyze.Day).UnixMilli())
	check("product", alice.Metadata.Product, Product{Name: "keyaudit", VendorName: "keyaudit", Version: "v1.2.3 (go1.26.1)"})
	check("uid", alice.FindingInfo.UID, analyze.IdentityOf(findings()[0]).UID())
	check("control", alice.Compliance.Control, "IAM.3")
	check("requirements", strings.Join(alice.Compliance.Requirements, "; "), "CIS AWS Foundations Benchmark 1.14; AWS Security Hub IAM.3")
	check("compliance status", alice.Compliance.StatusID, 3)
	check("status unchanged", alice.StatusID, 1)
	check("status_detail", alice.StatusDetail, "unchanged since the baseline")
	check("user resource", alice.Resources[0], Resource{Type: "AwsIamUser", UID: "arn:aws:iam::111122223333:user/alice", Name: "alice"})
	check("key resource", alice.Resources[1].UID, "AKIARTX3GSDSVHGUXWVT")
	check("key created_time", alice.Resources[1].CreatedTime, alice.StartTime)
	check("severity critical", root.SeverityID, 5)
	check("resolved", root.Status, "Resolved")
	check("resolved compliance", root.Compliance.Status, "Pass")
	check("resolved last_seen_time", root.FindingInfo.LastSeenTime, int64(0))
	check("root control", root.Compliance.Control, "IAM.4")
	check("key without ID", root.Resources[1].Name, "access key 1 of <root_account> (ID not known)")
	check("muted", bob.Status, "Suppressed")
	check("muted status_id", bob.StatusID, 3)
	check("mute reason", bob.StatusDetail, "muted by a suppression: SEC-1")
	check("IAM.22", bob.Compliance.Control, "IAM.22")
	check("severity medium", bob.SeverityID, 3)
	check("severity low", erin.SeverityID, 2)
	check("per-user finding: the user only", len(erin.Resources), 1)
	check("CIS only", erin.Compliance.Control, "1.13")
	check("no baseline: no status_detail", erin.StatusDetail, "")
	check("no mapping: the rule", foreign.Compliance.Control, "foreign-key")
	check("no mapping: no standards", len(foreign.Compliance.Standards), 0)
	check("severity info", foreign.SeverityID, 1)
	check("key by ID only", foreign.Resources[1].UID, "AKIATCH6YDSYZCVLFRUW")
	if !strings.Contains(lines[1], `"name":"<root_account>"`) {
		t.Errorf("HTML-escaped: %s", lines[1])
	}
}

func TestNewMapperChecksColumns(t *testing.T) {
	if _, err := NewMapper(arrow.NewSchema([]arrow.Field{{Name: "rule", Type: arrow.BinaryTypes.String}}, nil), Options{}); err == nil {
		t.Fatal("a schema without the findings columns is accepted")
	}
}
