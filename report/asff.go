package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"
)

var _ Writer = (*ASFFWriter)(nil)

// ASFFSchemaVersion is the AWS Security Finding Format version written.
const ASFFSchemaVersion = "2018-10-08"

// ASFFMaxBatch is the most findings one BatchImportFindings call takes.
const ASFFMaxBatch = 100

// ASFF Types of the findings (the ASFF "namespace/category/classifier"
// taxonomy).
const (
	ASFFTypeCIS           = "Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark"
	ASFFTypeBestPractices = "Software and Configuration Checks/AWS Security Best Practices"
)

// ASFFCISVersion names the CIS AWS Foundations Benchmark whose control
// numbers the rules use, in Compliance.RelatedRequirements.
const ASFFCISVersion = "CIS AWS Foundations Benchmark v3.0.0"

// The columns an ASFFWriter reads, by name: those of keyaudit's findings
// record. Other columns are ignored; columns marked optional may be absent.
const (
	asffColRule        = "rule"
	asffColSeverity    = "severity"
	asffColAccountID   = "account_id"
	asffColUser        = "user"
	asffColARN         = "arn"
	asffColKeySlot     = "key_slot"      // optional
	asffColAccessKeyID = "access_key_id" // optional
	asffColKeyStatus   = "key_status"    // optional
	asffColLastRotated = "last_rotated"  // optional
	asffColLastUsed    = "last_used"     // optional
	asffColAgeDays     = "age_days"      // optional
	asffColDetail      = "detail"
	asffColMuted       = "muted"       // optional
	asffColMuteReason  = "mute_reason" // optional
)

var asffColumns = []string{asffColRule, asffColSeverity, asffColAccountID, asffColUser, asffColARN,
	asffColKeySlot, asffColAccessKeyID, asffColKeyStatus, asffColLastRotated, asffColLastUsed,
	asffColAgeDays, asffColDetail, asffColMuted, asffColMuteReason}

var asffRequired = map[string]bool{asffColRule: true, asffColSeverity: true, asffColAccountID: true,
	asffColUser: true, asffColARN: true, asffColDetail: true}

// ASFFRootUser is the user name of a root finding (IAM's spelling in the
// credential report): its resource is the account, not an IAM user.
const ASFFRootUser = "<root_account>"

// ASFFOptions configure an ASFFWriter (Options.ASFF).
type ASFFOptions struct {
	// AsOf is CreatedAt and UpdatedAt of every finding (the time the
	// audit describes, never the wall clock). Required.
	AsOf time.Time

	// ProductARN is the ProductArn of every finding. "" means the custom
	// integration of each finding's own account:
	// arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default.
	ProductARN string

	// Region is the Region of the findings and of the default ProductARN.
	// Required.
	Region string

	// Rules describe the rules by ID; a finding of a rule not listed gets
	// the rule ID as its title and no compliance requirements.
	Rules map[string]ASFFRule

	// BatchSize caps the findings of one batch: 0 means ASFFMaxBatch, and
	// more than ASFFMaxBatch is an error.
	BatchSize int

	// NextBatch, when set, is called with 1, 2, ... for each batch of at
	// most BatchSize findings, and the batch is written to the writer it
	// returns as one JSON array (the writer is not closed). When nil, every
	// finding goes to the Writer's own io.Writer as one array. No finding
	// means no call.
	NextBatch func(n int) (io.Writer, error)
}

// ASFFRule is what an ASFF finding says about its rule.
type ASFFRule struct {
	Description    string   // one line, after the finding's own detail
	CIS            []string // CIS AWS Foundations Benchmark controls, e.g. "1.14"
	SecurityHub    []string // AWS Security Hub controls, e.g. "IAM.3"
	Remediation    string   // Remediation.Recommendation.Text (at most 512 characters)
	RemediationURL string
}

// ASFFWriter writes findings records as AWS Security Finding Format
// findings (SchemaVersion 2018-10-08) in JSON arrays that
// `aws securityhub batch-import-findings --findings file://...` accepts:
// one array of every finding, or, with ASFFOptions.NextBatch, arrays of
// at most 100.
//
// Each finding is a securityhub/types.AwsSecurityFinding of the AWS SDK
// for Go v2, so the set of fields and their types are the service's; it
// is encoded under the Go field names, which are the ASFF names (see
// encodeShape). The Id is a hash of the finding's identity (rule, account,
// user, key slot, key ID), so importing the findings of a later run
// updates the earlier ones instead of adding copies. A muted finding has
// Workflow.Status SUPPRESSED and a Note with the suppression's reason.
type ASFFWriter struct {
	out    *bufio.Writer
	opts   ASFFOptions
	schema *arrow.Schema
	col    map[string]int // column index by name; absent optional columns missing
	batch  []types.AwsSecurityFinding
	nbatch int
	rows   int64 // findings written to out
	closed bool
}

// NewASFFWriter returns an ASFFWriter for records with the given schema,
// which must have the findings columns (rule, severity, account_id, user,
// arn, detail). Only opts.ASFF applies.
func NewASFFWriter(w io.Writer, schema *arrow.Schema, opts Options) (*ASFFWriter, error) {
	o := opts.ASFF
	if o.AsOf.IsZero() {
		return nil, errors.New("new asff writer: no as-of time (CreatedAt and UpdatedAt)")
	}
	if o.ProductARN == "" && o.Region == "" {
		return nil, errors.New("new asff writer: no region for the default product ARN")
	}
	if o.BatchSize == 0 {
		o.BatchSize = ASFFMaxBatch
	}
	if o.BatchSize < 0 || o.BatchSize > ASFFMaxBatch {
		return nil, fmt.Errorf("new asff writer: batch size %d: BatchImportFindings takes 1 to %d findings", o.BatchSize, ASFFMaxBatch)
	}
	if err := checkTextSchema(schema); err != nil {
		return nil, fmt.Errorf("new asff writer: %w", err)
	}
	col := map[string]int{}
	for _, name := range asffColumns {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			if asffRequired[name] {
				return nil, fmt.Errorf("new asff writer: the record has no %q column: ASFF is written from findings", name)
			}
			continue
		}
		col[name] = idx[0]
	}
	return &ASFFWriter{out: bufio.NewWriter(w), opts: o, schema: schema, col: col}, nil
}

// Write converts the rows of rec to ASFF findings and writes them (or,
// with NextBatch, each batch as it fills). The caller keeps ownership of
// rec.
func (w *ASFFWriter) Write(rec arrow.Record) error {
	if w.closed {
		return fmt.Errorf("write asff: %w", ErrClosed)
	}
	if rec == nil {
		return errors.New("write asff: nil record")
	}
	if !rec.Schema().Equal(w.schema) {
		return fmt.Errorf("write asff: %w", ErrSchemaMismatch)
	}
	for r := 0; r < int(rec.NumRows()); r++ {
		f := w.finding(rec, r)
		if w.opts.NextBatch == nil {
			if err := w.writeOne(f); err != nil {
				return fmt.Errorf("write asff: %w", err)
			}
			continue
		}
		w.batch = append(w.batch, f)
		if len(w.batch) == w.opts.BatchSize {
			if err := w.flushBatch(); err != nil {
				return fmt.Errorf("write asff: %w", err)
			}
		}
	}
	if err := w.out.Flush(); err != nil {
		return fmt.Errorf("write asff: %w", err)
	}
	return nil
}

// Close writes the last batch, or ends the array. It does not close any
// io.Writer. Calling Close twice is a no-op.
func (w *ASFFWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.opts.NextBatch != nil {
		if len(w.batch) > 0 {
			if err := w.flushBatch(); err != nil {
				return fmt.Errorf("close asff: %w", err)
			}
		}
		return nil
	}
	if w.rows == 0 {
		w.out.WriteString("[]\n")
	} else {
		w.out.WriteString("\n]\n")
	}
	if err := w.out.Flush(); err != nil {
		return fmt.Errorf("close asff: %w", err)
	}
	return nil
}

func (w *ASFFWriter) writeOne(f types.AwsSecurityFinding) error {
	var buf bytes.Buffer
	if err := encodeShape(&buf, reflect.ValueOf(f)); err != nil {
		return err
	}
	if w.rows == 0 {
		w.out.WriteString("[\n")
	} else {
		w.out.WriteString(",\n")
	}
	w.rows++
	_, err := w.out.Write(buf.Bytes())
	return err
}

func (w *ASFFWriter) flushBatch() error {
	w.nbatch++
	dst, err := w.opts.NextBatch(w.nbatch)
	if err != nil {
		return err
	}
	b, err := EncodeASFF(w.batch)
	if err != nil {
		return err
	}
	w.batch = w.batch[:0]
	_, err = dst.Write(b)
	return err
}

// EncodeASFF encodes findings as a JSON array, one finding per line, in
// the encoding ASFFWriter uses.
func EncodeASFF(findings []types.AwsSecurityFinding) ([]byte, error) {
	var buf bytes.Buffer
	if len(findings) == 0 {
		return []byte("[]\n"), nil
	}
	buf.WriteString("[\n")
	for i := range findings {
		if i > 0 {
			buf.WriteString(",\n")
		}
		if err := encodeShape(&buf, reflect.ValueOf(findings[i])); err != nil {
			return nil, err
		}
	}
	buf.WriteString("\n]\n")
	return buf.Bytes(), nil
}

// cell is the text of column name in row r; "" when null or absent.
func (w *ASFFWriter) cell(rec arrow.Record, name string, r int) string {
	i, ok := w.col[name]
	if !ok {
		return ""
	}
	v, _ := value(rec.Column(i), r)
	return v
}

// ASFFID is the Id of a finding: a hash of its identity, so the same
// finding has the same Id in every run.
func ASFFID(rule, account, user, slot, keyID string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{rule, account, user, slot, keyID}, "\x00")))
	return "keyaudit/" + rule + "/" + hex.EncodeToString(h[:16])
}

// asffSeverity maps keyaudit severities to ASFF labels.
var asffSeverity = map[string]types.SeverityLabel{
	"critical": types.SeverityLabelCritical,
	"high":     types.SeverityLabelHigh,
	"medium":   types.SeverityLabelMedium,
	"low":      types.SeverityLabelLow,
	"info":     types.SeverityLabelInformational,
}

func (w *ASFFWriter) finding(rec arrow.Record, r int) types.AwsSecurityFinding {
	get := func(name string) string { return w.cell(rec, name, r) }
	rule, account, user, arn := get(asffColRule), get(asffColAccountID), get(asffColUser), get(asffColARN)
	slot, keyID, status := get(asffColKeySlot), get(asffColAccessKeyID), get(asffColKeyStatus)
	meta := w.opts.Rules[rule]
	asOf := w.opts.AsOf.UTC().Format(time.RFC3339)
	partition := arnPartition(arn)
	region := w.opts.Region

	product := w.opts.ProductARN
	if product == "" {
		product = fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", partition, region, account, account)
	}
	label, ok := asffSeverity[strings.ToLower(get(asffColSeverity))]
	if !ok {
		label = types.SeverityLabelInformational
	}

	subject := "user " + user
	if user == ASFFRootUser {
		subject = "root user"
	}
	if slot != "" {
		subject += ", key " + slot
	}
	if keyID != "" {
		subject += " (" + keyID + ")"
	}
	title := fmt.Sprintf("%s: %s in account %s", rule, subject, account)
	desc := get(asffColDetail)
	if meta.Description != "" {
		desc += ". Rule: " + meta.Description
	}

	f := types.AwsSecurityFinding{
		SchemaVersion: str(ASFFSchemaVersion),
		Id:            str(ASFFID(rule, account, user, slot, keyID)),
		ProductArn:    str(product),
		GeneratorId:   str("keyaudit/" + rule),
		AwsAccountId:  str(account),
		Types:         asffTypes(meta),
		CreatedAt:     str(asOf),
		UpdatedAt:     str(asOf),
		Severity:      &types.Severity{Label: label, Original: str(get(asffColSeverity))},
		Title:         str(clip(title, 256)),
		Description:   str(clip(desc, 1024)),
		Region:        str(region),
		Resources:     asffResources(account, user, arn, keyID, status, get(asffColLastRotated), partition, region),
		Compliance:    &types.Compliance{Status: types.ComplianceStatusFailed, RelatedRequirements: asffRequirements(meta)},
		Workflow:      &types.Workflow{Status: types.WorkflowStatusNew},
		RecordState:   types.RecordStateActive,
		ProductFields: map[string]string{"ProviderName": "keyaudit", "keyaudit/rule": rule},
	}
	if meta.Remediation != "" {
		f.Remediation = &types.Remediation{Recommendation: &types.Recommendation{Text: str(clip(meta.Remediation, 512))}}
		if meta.RemediationURL != "" {
			f.Remediation.Recommendation.Url = str(meta.RemediationURL)
		}
	}
	for _, kv := range [][2]string{{"key_slot", slot}, {"access_key_id", keyID}, {"key_status", status},
		{"last_rotated", get(asffColLastRotated)}, {"last_used", get(asffColLastUsed)}, {"age_days", get(asffColAgeDays)}} {
		if kv[1] != "" {
			f.ProductFields["keyaudit/"+kv[0]] = kv[1]
		}
	}
	if get(asffColMuted) == "true" {
		f.Workflow.Status = types.WorkflowStatusSuppressed
		reason := get(asffColMuteReason)
		if reason == "" {
			reason = "no reason given"
		}
		f.Note = &types.Note{Text: str(clip("muted by a keyaudit suppression: "+reason, 512)),
			UpdatedBy: str("keyaudit"), UpdatedAt: str(asOf)}
	}
	return f
}

func asffTypes(meta ASFFRule) []string {
	var out []string
	if len(meta.CIS) > 0 {
		out = append(out, ASFFTypeCIS)
	}
	if len(meta.SecurityHub) > 0 || len(out) == 0 {
		out = append(out, ASFFTypeBestPractices)
	}
	return out
}

func asffRequirements(meta ASFFRule) []string {
	var out []string
	for _, c := range meta.CIS {
		out = append(out, ASFFCISVersion+"/"+c)
	}
	for _, c := range meta.SecurityHub {
		out = append(out, "AWS Security Hub/"+c)
	}
	return out
}

// asffResources lists the principal (the account for a root finding, else
// the IAM user) and, when its ID is known, the access key.
func asffResources(account, user, arn, keyID, status, created, partition, region string) []types.Resource {
	p := types.Partition(partition)
	var principal types.Resource
	if user == ASFFRootUser {
		principal = types.Resource{Type: str("AwsAccount"), Id: str("AWS::::Account:" + account), Partition: p, Region: str(region)}
	} else {
		id := arn
		if id == "" {
			id = fmt.Sprintf("arn:%s:iam::%s:user/%s", partition, account, user)
		}
		principal = types.Resource{Type: str("AwsIamUser"), Id: str(id), Partition: p, Region: str(region),
			Details: &types.ResourceDetails{AwsIamUser: &types.AwsIamUserDetails{UserName: str(user)}}}
	}
	out := []types.Resource{principal}
	if keyID == "" {
		return out
	}
	d := &types.AwsIamAccessKeyDetails{AccessKeyId: str(keyID), AccountId: str(account),
		Status: types.AwsIamAccessKeyStatus(status)}
	if user == ASFFRootUser {
		d.PrincipalType = str("Root")
	} else {
		d.PrincipalName, d.PrincipalType = str(user), str("IAMUser")
	}
	if created != "" {
		d.CreatedAt = str(created)
	}
	return append(out, types.Resource{Type: str("AwsIamAccessKey"), Id: str(keyID), Partition: p, Region: str(region),
		Details: &types.ResourceDetails{AwsIamAccessKey: d}})
}

// arnPartition is the partition of an ARN ("aws" when it names none).
func arnPartition(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// clip shortens s to at most n characters (an ASFF length limit), ending
// in "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// str is a pointer to s, for the SDK's optional fields.
func str(s string) *string { return &s }
