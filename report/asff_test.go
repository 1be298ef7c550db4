package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/report"
)

var asffAsOf = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func asffOpts() report.Options {
	return report.Options{ASFF: report.ASFFOptions{
		AsOf:   asffAsOf,
		Region: "eu-west-1",
		Rules: map[string]report.ASFFRule{
			"stale-key": {Description: "key too old", CIS: []string{"1.14"}, SecurityHub: []string{"IAM.3"},
				Remediation: "rotate the key", RemediationURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"},
		},
	}}
}

// asffFindings returns n findings: stale keys of distinct users, every
// third one muted, the first one a root key.
func asffFindings(n int) []analyze.Finding {
	var fs []analyze.Finding
	for i := range n {
		f := analyze.Finding{Rule: "stale-key", Severity: analyze.High, AccountID: "111122223333",
			User: fmt.Sprintf("user%03d", i), ARN: fmt.Sprintf("arn:aws:iam::111122223333:user/user%03d", i),
			KeySlot: 1, AccessKeyID: fmt.Sprintf("AKIAEXAMPLE%09d", i), KeyStatus: "Active",
			LastRotated: asffAsOf.AddDate(0, 0, -100), AgeDays: 100, Detail: "key 1 last rotated 100 days ago (limit 90 days)"}
		if i == 0 {
			f.Rule, f.Severity, f.User, f.ARN = "root-access-key", analyze.Critical, "<root_account>", "arn:aws:iam::111122223333:root"
		}
		if i%3 == 2 {
			f.Muted, f.MuteReason = true, "accepted risk"
		}
		fs = append(fs, f)
	}
	return fs
}

func writeASFF(t *testing.T, fs []analyze.Finding, opts report.Options) []byte {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := analyze.FindingsRecord(mem, fs)
	defer rec.Release()
	var buf bytes.Buffer
	w, err := report.NewWriter(report.FormatASFF, &buf, analyze.FindingSchema, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// asffRequired are the fields BatchImportFindings requires of every finding.
var asffRequired = []string{"SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types",
	"CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources"}

// CheckASFF fails t unless b is a JSON array of ASFF findings with every
// required field, no null, and at most max findings; it returns them.
func checkASFF(t *testing.T, b []byte, max int) []types.AwsSecurityFinding {
	t.Helper()
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("not a JSON array: %v\n%.300s", err, b)
	}
	if len(raw) == 0 || len(raw) > max {
		t.Errorf("%d findings in one array, want 1 to %d", len(raw), max)
	}
	for i, f := range raw {
		for _, k := range asffRequired {
			if _, ok := f[k]; !ok {
				t.Errorf("finding %d has no %s", i, k)
			}
		}
		if sev, _ := f["Severity"].(map[string]any); sev["Label"] == nil {
			t.Errorf("finding %d has no Severity.Label", i)
		}
	}
	if bytes.Contains(b, []byte(":null")) {
		t.Error("a null: unset fields must be left out")
	}
	var typed []types.AwsSecurityFinding
	if err := json.Unmarshal(b, &typed); err != nil {
		t.Fatal(err)
	}
	return typed
}

func TestASFFRoundTrip(t *testing.T) {
	out := writeASFF(t, asffFindings(7), asffOpts())
	fs := checkASFF(t, out, 7)
	if len(fs) != 7 {
		t.Fatalf("%d findings, want 7", len(fs))
	}
	// Decoded into the SDK type under the Go field names and encoded
	// again: the same bytes, so every name written is a field of the type.
	again, err := report.EncodeASFF(fs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, out) {
		t.Errorf("round trip differs:\n%s\nwant\n%s", again, out)
	}
	// And nothing the decoder ignored: the generic decoding has the same keys.
	var generic []any
	json.Unmarshal(out, &generic)
	typedAsAny, _ := json.Marshal(fs)
	var back []any
	json.Unmarshal(typedAsAny, &back)
	if missing := missingKeys(generic, back, ""); missing != "" {
		t.Errorf("written but not a field of AwsSecurityFinding: %s", missing)
	}

	root, stale, muted := fs[0], fs[1], fs[2]
	if *root.Resources[0].Type != "AwsAccount" || *root.Resources[0].Id != "AWS::::Account:111122223333" {
		t.Errorf("root resource %s %s", *root.Resources[0].Type, *root.Resources[0].Id)
	}
	if root.Severity.Label != types.SeverityLabelCritical || stale.Severity.Label != types.SeverityLabelHigh {
		t.Errorf("labels %s %s", root.Severity.Label, stale.Severity.Label)
	}
	if *stale.ProductArn != "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default" {
		t.Errorf("ProductArn %s", *stale.ProductArn)
	}
	if *stale.GeneratorId != "keyaudit/stale-key" || *stale.CreatedAt != "2026-11-01T00:00:00Z" || *stale.UpdatedAt != *stale.CreatedAt {
		t.Errorf("GeneratorId %s CreatedAt %s UpdatedAt %s", *stale.GeneratorId, *stale.CreatedAt, *stale.UpdatedAt)
	}
	wantReq := []string{"CIS AWS Foundations Benchmark v3.0.0/1.14", "AWS Security Hub/IAM.3"}
	if !reflect.DeepEqual(stale.Compliance.RelatedRequirements, wantReq) || stale.Compliance.Status != types.ComplianceStatusFailed {
		t.Errorf("compliance %v %v", stale.Compliance.Status, stale.Compliance.RelatedRequirements)
	}
	if len(stale.Resources) != 2 || *stale.Resources[0].Type != "AwsIamUser" || *stale.Resources[1].Type != "AwsIamAccessKey" ||
		*stale.Resources[1].Details.AwsIamAccessKey.PrincipalName != "user001" || stale.Resources[1].Details.AwsIamAccessKey.Status != "Active" {
		t.Errorf("resources %s", out)
	}
	if stale.Workflow.Status != types.WorkflowStatusNew || muted.Workflow.Status != types.WorkflowStatusSuppressed ||
		!strings.Contains(*muted.Note.Text, "accepted risk") || stale.Note != nil {
		t.Errorf("workflow %s / %s", stale.Workflow.Status, muted.Workflow.Status)
	}
	if stale.Remediation == nil || *stale.Remediation.Recommendation.Text != "rotate the key" {
		t.Error("no remediation")
	}
	if stale.RecordState != types.RecordStateActive {
		t.Errorf("RecordState %q", stale.RecordState)
	}
}

// missingKeys names the object keys of a that b lacks, recursively.
func missingKeys(a, b any, path string) string {
	switch av := a.(type) {
	case map[string]any:
		bv, _ := b.(map[string]any)
		for k, v := range av {
			bw, ok := bv[k]
			if !ok {
				return path + "." + k
			}
			if m := missingKeys(v, bw, path+"."+k); m != "" {
				return m
			}
		}
	case []any:
		bv, _ := b.([]any)
		for i := range av {
			if i >= len(bv) {
				return fmt.Sprintf("%s[%d]", path, i)
			}
			if m := missingKeys(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i)); m != "" {
				return m
			}
		}
	}
	return ""
}

func TestASFFIdsStable(t *testing.T) {
	a := checkASFF(t, writeASFF(t, asffFindings(20), asffOpts()), 100)
	fs := asffFindings(20)
	for i := range fs {
		fs[i].Detail = "other wording, later run"
		fs[i].AgeDays++
	}
	b := checkASFF(t, writeASFF(t, fs, asffOpts()), 100)
	seen := map[string]bool{}
	for i := range a {
		if *a[i].Id != *b[i].Id {
			t.Errorf("finding %d: Id %s then %s", i, *a[i].Id, *b[i].Id)
		}
		if seen[*a[i].Id] {
			t.Errorf("Id %s twice", *a[i].Id)
		}
		seen[*a[i].Id] = true
	}
}

func TestASFFBatches(t *testing.T) {
	var batches []*bytes.Buffer
	opts := asffOpts()
	opts.ASFF.ProductARN = "arn:aws:securityhub:eu-west-1:999999999999:product/999999999999/default"
	opts.ASFF.NextBatch = func(n int) (io.Writer, error) {
		if n != len(batches)+1 {
			t.Errorf("batch %d after %d", n, len(batches))
		}
		batches = append(batches, new(bytes.Buffer))
		return batches[n-1], nil
	}
	if out := writeASFF(t, asffFindings(250), opts); len(out) != 0 {
		t.Errorf("with NextBatch, %d bytes went to the writer itself", len(out))
	}
	if len(batches) != 3 {
		t.Fatalf("%d batches, want 3", len(batches))
	}
	total := 0
	for i, b := range batches {
		fs := checkASFF(t, b.Bytes(), report.ASFFMaxBatch)
		total += len(fs)
		if *fs[0].ProductArn != opts.ASFF.ProductARN {
			t.Errorf("batch %d: ProductArn %s", i+1, *fs[0].ProductArn)
		}
	}
	if total != 250 {
		t.Errorf("%d findings in the batches, want 250", total)
	}

	batches = nil
	writeASFF(t, nil, opts)
	if len(batches) != 0 {
		t.Errorf("no finding wrote %d batches", len(batches))
	}
	if out := writeASFF(t, nil, asffOpts()); string(out) != "[]\n" {
		t.Errorf("no finding: %q", out)
	}
}

func TestASFFErrors(t *testing.T) {
	other := arrow.NewSchema([]arrow.Field{{Name: "rule", Type: arrow.BinaryTypes.String}}, nil)
	if _, err := report.NewWriter(report.FormatASFF, io.Discard, other, asffOpts()); err == nil || !strings.Contains(err.Error(), `"severity"`) {
		t.Errorf("schema without severity: %v", err)
	}
	if _, err := report.NewWriter(report.FormatASFF, io.Discard, analyze.FindingSchema, report.Options{}); err == nil {
		t.Error("no as-of: no error")
	}
	opts := asffOpts()
	opts.ASFF.BatchSize = 101
	if _, err := report.NewWriter(report.FormatASFF, io.Discard, analyze.FindingSchema, opts); err == nil {
		t.Error("batch size 101: no error")
	}
	w, err := report.NewWriter(report.FormatASFF, io.Discard, analyze.FindingSchema, asffOpts())
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := analyze.FindingsRecord(mem, asffFindings(1))
	defer rec.Release()
	w.Close()
	if err := w.Write(rec); !errors.Is(err, report.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if _, err := report.NewWriter(report.FormatHTML, io.Discard, analyze.FindingSchema, report.Options{}); !errors.Is(err, report.ErrNotRecordFormat) {
		t.Errorf("html from NewWriter: %v", err)
	}
}

func TestFormatForPathASFFHTML(t *testing.T) {
	for path, want := range map[string]string{"f.asff.json": "asff", "F.ASFF.JSON": "asff", "f.json": "json", "asff.json": "json",
		"r.html": "html", "r.HTM": "html"} {
		if got, _ := report.FormatForPath(path); got != want {
			t.Errorf("FormatForPath(%q) = %q, want %q", path, got, want)
		}
	}
}
