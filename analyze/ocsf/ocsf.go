// Package ocsf maps keyaudit findings to OCSF 1.8.0 Compliance Finding
// events (class_uid 2003, category 2 Findings).
//
// What goes in: records of analyze.FindingSchema or
// analyze.FindingBaselineSchema (the caller keeps them), through a Mapper
// that report's EventWriter calls once per row (report.FormatOCSF). What
// comes out: one JSON object per finding, deterministic: every time comes
// from Options.AsOf and the finding's evidence (last_rotated, last_used,
// first_seen), never from the clock, and finding_info.uid is a hash of the
// finding's identity (analyze.Identity.UID).
//
// The mapping:
//
//	activity_id 1 Create; type_uid 200301
//	time, finding_info.created_time     Options.AsOf
//	severity_id                         info 1, low 2, medium 3, high 4, critical 5
//	status_id                           3 Suppressed when muted (status_detail: the reason), else
//	                                    4 Resolved when the baseline status is resolved, else 1 New
//	message, finding_info.desc          detail
//	finding_info.uid                    analyze.Identity.UID: rule, account, user, slot, key ID
//	finding_info.analytic               the rule (type Rule)
//	finding_info.first_seen_time        first_seen (with a baseline)
//	compliance                          CIS AWS Foundations Benchmark and AWS Security Hub
//	                                    controls of the rule (control: the Security Hub ID,
//	                                    else the CIS one, else the rule); status Fail,
//	                                    Pass when resolved
//	resources                           the IAM user (AwsIamUser: ARN, name) and the access key
//	                                    (AwsIamAccessKey: ID, created_time = last_rotated,
//	                                    data: slot and status)
//	start_time, end_time                last_rotated and last_used: the evidence
//	cloud                               provider AWS, the account (metadata.profiles: cloud)
//	unmapped                            age_days, the baseline status
package ocsf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/analyze"
)

// Version is the OCSF schema version of the events.
const Version = "1.8.0"

// Classification of every event.
const (
	CategoryUID = 2    // Findings
	ClassUID    = 2003 // Compliance Finding
	ActivityID  = 1    // Create
	TypeUID     = ClassUID*100 + ActivityID
)

// Standard names in compliance.standards and checks.
const (
	StandardCIS         = "CIS AWS Foundations Benchmark"
	StandardSecurityHub = "AWS Security Hub"
)

// Options says what the findings do not: the product version, the run's
// time and the rules' metadata.
type Options struct {
	// ProductVersion is metadata.product.version: the version keyaudit
	// --version prints.
	ProductVersion string
	// AsOf is the run's --as-of: time and finding_info.created_time.
	AsOf time.Time
	// Rules describes every rule a finding may name (title, compliance
	// controls); a rule not listed maps with its ID only.
	Rules []analyze.RuleInfo
}

// Mapper maps the rows of findings records to OCSF events; it implements
// report.EventMapper.
type Mapper struct {
	opts  Options
	rules map[string]analyze.RuleInfo
	last  arrow.Record
	fs    []analyze.Finding
	buf   bytes.Buffer
}

// NewMapper returns a Mapper for records of schema, which must have every
// column of analyze.FindingSchema (the baseline columns are used when
// present).
func NewMapper(schema *arrow.Schema, opts Options) (*Mapper, error) {
	for _, f := range analyze.FindingSchema.Fields() {
		if !schema.HasField(f.Name) {
			return nil, fmt.Errorf("ocsf: records lack the findings column %s", f.Name)
		}
	}
	m := &Mapper{opts: opts, rules: map[string]analyze.RuleInfo{}}
	for _, r := range opts.Rules {
		m.rules[r.ID] = r
	}
	return m, nil
}

// AppendEvent appends the event of row r of rec to b, without a newline.
func (m *Mapper) AppendEvent(b []byte, rec arrow.Record, r int) ([]byte, error) {
	if rec != m.last || r >= len(m.fs) {
		fs, err := analyze.FindingsFromRecord(rec)
		if err != nil {
			return b, fmt.Errorf("ocsf: %w", err)
		}
		m.last, m.fs = rec, fs
	}
	m.buf.Reset()
	enc := json.NewEncoder(&m.buf)
	enc.SetEscapeHTML(false) // <root_account> stays readable
	if err := enc.Encode(m.Event(m.fs[r])); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(m.buf.Bytes(), []byte("\n"))...), nil
}

// Event is the OCSF Compliance Finding of f.
func (m *Mapper) Event(f analyze.Finding) Event {
	info, ok := m.rules[f.Rule]
	if !ok {
		info = analyze.RuleInfo{ID: f.Rule}
	}
	asOf := ms(m.opts.AsOf)
	sevID, sevName := severity(f.Severity)
	ev := Event{
		ActivityID: ActivityID, ActivityName: "Create",
		CategoryUID: CategoryUID, CategoryName: "Findings",
		ClassUID: ClassUID, ClassName: "Compliance Finding",
		TypeUID: TypeUID, TypeName: "Compliance Finding: Create",
		SeverityID: sevID, Severity: sevName,
		StatusID: 1, Status: "New",
		Time:      asOf,
		StartTime: ms(f.LastRotated), EndTime: ms(f.LastUsed),
		Message: f.Detail,
		Metadata: Metadata{
			Version:  Version,
			Product:  Product{Name: "keyaudit", VendorName: "keyaudit", Version: m.opts.ProductVersion},
			Profiles: []string{"cloud"},
		},
		Cloud: Cloud{Provider: "AWS", Account: &Account{UID: f.AccountID, Type: "AWS Account", TypeID: 10}},
		FindingInfo: FindingInfo{
			UID:         analyze.IdentityOf(f).UID(),
			Title:       title(info),
			Desc:        f.Detail,
			Types:       []string{f.Rule},
			Analytic:    &Analytic{UID: f.Rule, Name: f.Rule, Type: "Rule", TypeID: 1},
			CreatedTime: asOf,
		},
		Compliance: compliance(info, f.Status == analyze.StatusResolved),
		Resources:  resources(f),
	}
	if f.Status != analyze.StatusResolved {
		ev.FindingInfo.LastSeenTime = asOf
	}
	ev.FindingInfo.FirstSeenTime = ms(f.FirstSeen)
	switch {
	case f.Status == analyze.StatusResolved:
		ev.StatusID, ev.Status = 4, "Resolved"
		ev.StatusDetail = "in the baseline, not found by this run"
	case f.Muted:
		ev.StatusID, ev.Status = 3, "Suppressed"
		ev.StatusDetail = "muted by a suppression: " + f.MuteReason
	case f.Status != "":
		ev.StatusDetail = f.Status + " since the baseline"
	}
	if f.Status != "" || f.AgeDays >= 0 {
		u := &Unmapped{BaselineStatus: f.Status}
		if f.AgeDays >= 0 {
			u.AgeDays = &f.AgeDays
		}
		ev.Unmapped = u
	}
	return ev
}

func title(info analyze.RuleInfo) string {
	if info.Description == "" {
		return info.ID
	}
	return info.ID + ": " + info.Description
}

// ms is t in epoch milliseconds; 0 (omitted) for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func severity(s analyze.Severity) (int, string) {
	switch s {
	case analyze.Info:
		return 1, "Informational"
	case analyze.Low:
		return 2, "Low"
	case analyze.Medium:
		return 3, "Medium"
	case analyze.High:
		return 4, "High"
	case analyze.Critical:
		return 5, "Critical"
	}
	return 0, "Unknown"
}

func compliance(info analyze.RuleInfo, passed bool) Compliance {
	statusID, status := 3, "Fail"
	if passed {
		statusID, status = 1, "Pass"
	}
	c := Compliance{Control: info.ID, Desc: info.Description, Status: status, StatusID: statusID}
	add := func(standard string, ids []string) {
		if len(ids) == 0 {
			return
		}
		c.Standards = append(c.Standards, standard)
		for _, id := range ids {
			c.Requirements = append(c.Requirements, standard+" "+id)
			c.Checks = append(c.Checks, Check{UID: id, Name: standard + " " + id, Standards: []string{standard}, Status: status, StatusID: statusID})
		}
	}
	add(StandardCIS, info.CIS)
	add(StandardSecurityHub, info.SecurityHub)
	switch {
	case len(info.SecurityHub) > 0:
		c.Control = info.SecurityHub[0]
	case len(info.CIS) > 0:
		c.Control = info.CIS[0]
	}
	return c
}

func resources(f analyze.Finding) []Resource {
	user := Resource{Type: "AwsIamUser", UID: f.ARN, Name: f.User}
	out := []Resource{user}
	if f.KeySlot == 0 && f.AccessKeyID == "" {
		return out // a finding about the user
	}
	key := Resource{Type: "AwsIamAccessKey", UID: f.AccessKeyID, CreatedTime: ms(f.LastRotated)}
	if f.AccessKeyID == "" {
		key.Name = fmt.Sprintf("access key %d of %s (ID not known)", f.KeySlot, f.User)
	}
	d := &KeyData{KeyStatus: f.KeyStatus}
	if f.KeySlot > 0 {
		d.KeySlot = f.KeySlot
	}
	key.Data = d
	return append(out, key)
}
