package analyze

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// Column names of FindingSchema, in schema order.
const (
	FColRule        = "rule"
	FColSeverity    = "severity"
	FColAccountID   = "account_id"
	FColUser        = "user"
	FColARN         = "arn"
	FColKeySlot     = "key_slot"      // null for per-user findings
	FColAccessKeyID = "access_key_id" // null when not known
	FColKeyStatus   = "key_status"    // Active | Inactive; null for per-user findings
	FColLastRotated = "last_rotated"
	FColLastUsed    = "last_used"
	FColAgeDays     = "age_days" // null when the finding has no age
	FColDetail      = "detail"
	FColMuted       = "muted"
	FColMuteReason  = "mute_reason" // null unless muted

	// Columns of FindingBaselineSchema only.
	FColStatus    = "status"     // new, unchanged or resolved
	FColFirstSeen = "first_seen" // null for a resolved finding the baseline has no date for
)

// Column indexes of FindingSchema.
const (
	FIdxRule = iota
	FIdxSeverity
	FIdxAccountID
	FIdxUser
	FIdxARN
	FIdxKeySlot
	FIdxAccessKeyID
	FIdxKeyStatus
	FIdxLastRotated
	FIdxLastUsed
	FIdxAgeDays
	FIdxDetail
	FIdxMuted
	FIdxMuteReason
	FNumColumns
)

// Column indexes of the columns FindingBaselineSchema adds.
const (
	FIdxStatus = FNumColumns + iota
	FIdxFirstSeen
)

// FindingSchema is the schema of findings records (FindingsRecord): one
// row per Finding. severity is the lower-case name ("critical"...). Zero
// times, KeySlot 0, AgeDays -1 and empty access_key_id, key_status and
// mute_reason are nulls.
var FindingSchema = arrow.NewSchema([]arrow.Field{
	{Name: FColRule, Type: arrow.BinaryTypes.String},
	{Name: FColSeverity, Type: arrow.BinaryTypes.String},
	{Name: FColAccountID, Type: arrow.BinaryTypes.String},
	{Name: FColUser, Type: arrow.BinaryTypes.String},
	{Name: FColARN, Type: arrow.BinaryTypes.String},
	{Name: FColKeySlot, Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: FColAccessKeyID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: FColKeyStatus, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: FColLastRotated, Type: credreport.Timestamp, Nullable: true},
	{Name: FColLastUsed, Type: credreport.Timestamp, Nullable: true},
	{Name: FColAgeDays, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: FColDetail, Type: arrow.BinaryTypes.String},
	{Name: FColMuted, Type: arrow.FixedWidthTypes.Boolean},
	{Name: FColMuteReason, Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// FindingBaselineSchema is FindingSchema followed by status and first_seen:
// the findings of a run compared with a baseline (CompareBaseline,
// FindingsBaselineRecord).
var FindingBaselineSchema = arrow.NewSchema(append(FindingSchema.Fields(),
	arrow.Field{Name: FColStatus, Type: arrow.BinaryTypes.String},
	arrow.Field{Name: FColFirstSeen, Type: credreport.Timestamp, Nullable: true},
), nil)
