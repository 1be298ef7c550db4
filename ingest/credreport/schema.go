package credreport

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// Timestamp is the Arrow type of every time column keyaudit produces: UTC
// milliseconds, which Parquet readers (Spark, Athena, DuckDB) all accept.
var Timestamp = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// Column names of the per-user credential schema (one row per report row).
const (
	ColAccountID             = "account_id"
	ColUser                  = "user"
	ColARN                   = "arn"
	ColIsRoot                = "is_root"
	ColUserCreationTime      = "user_creation_time"
	ColPasswordEnabled       = "password_enabled" // null when not_supported (root)
	ColPasswordLastUsed      = "password_last_used"
	ColPasswordLastUsedState = "password_last_used_state" // used | never | no_information
	ColPasswordLastChanged   = "password_last_changed"
	ColPasswordNextRotation  = "password_next_rotation"
	ColMFAActive             = "mfa_active"
	ColKey1Active            = "access_key_1_active"
	ColKey1LastRotated       = "access_key_1_last_rotated"
	ColKey1LastUsed          = "access_key_1_last_used_date"
	ColKey1LastUsedRegion    = "access_key_1_last_used_region"
	ColKey1LastUsedService   = "access_key_1_last_used_service"
	ColKey2Active            = "access_key_2_active"
	ColKey2LastRotated       = "access_key_2_last_rotated"
	ColKey2LastUsed          = "access_key_2_last_used_date"
	ColKey2LastUsedRegion    = "access_key_2_last_used_region"
	ColKey2LastUsedService   = "access_key_2_last_used_service"
	ColCert1Active           = "cert_1_active"
	ColCert1LastRotated      = "cert_1_last_rotated"
	ColCert2Active           = "cert_2_active"
	ColCert2LastRotated      = "cert_2_last_rotated"
	ColReportGeneratedTime   = "report_generated_time"
	ColSourceFile            = "source_file"
	ColSourceLine            = "source_line"
)

// CredentialSchema is the schema of the per-user records: one row per row of
// a credential report (the <root_account> row included). Sentinels (N/A,
// no_information, not_supported) are nulls.
var CredentialSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColAccountID, Type: arrow.BinaryTypes.String},
	{Name: ColUser, Type: arrow.BinaryTypes.String},
	{Name: ColARN, Type: arrow.BinaryTypes.String},
	{Name: ColIsRoot, Type: arrow.FixedWidthTypes.Boolean},
	{Name: ColUserCreationTime, Type: Timestamp, Nullable: true},
	{Name: ColPasswordEnabled, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: ColPasswordLastUsed, Type: Timestamp, Nullable: true},
	{Name: ColPasswordLastUsedState, Type: arrow.BinaryTypes.String},
	{Name: ColPasswordLastChanged, Type: Timestamp, Nullable: true},
	{Name: ColPasswordNextRotation, Type: Timestamp, Nullable: true},
	{Name: ColMFAActive, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: ColKey1Active, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: ColKey1LastRotated, Type: Timestamp, Nullable: true},
	{Name: ColKey1LastUsed, Type: Timestamp, Nullable: true},
	{Name: ColKey1LastUsedRegion, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColKey1LastUsedService, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColKey2Active, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: ColKey2LastRotated, Type: Timestamp, Nullable: true},
	{Name: ColKey2LastUsed, Type: Timestamp, Nullable: true},
	{Name: ColKey2LastUsedRegion, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColKey2LastUsedService, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColCert1Active, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: ColCert1LastRotated, Type: Timestamp, Nullable: true},
	{Name: ColCert2Active, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: ColCert2LastRotated, Type: Timestamp, Nullable: true},
	{Name: ColReportGeneratedTime, Type: Timestamp, Nullable: true},
	{Name: ColSourceFile, Type: arrow.BinaryTypes.String},
	{Name: ColSourceLine, Type: arrow.PrimitiveTypes.Int64},
}, nil)

// Column names of the per-key view (one row per existing key slot) that the
// key rules work on. A slot exists when its last_rotated is not N/A, even if
// the key is inactive.
const (
	KColAccountID       = "account_id"
	KColUser            = "user"
	KColARN             = "arn"
	KColIsRoot          = "is_root"
	KColKeySlot         = "key_slot" // 1 or 2
	KColActive          = "active"
	KColLastRotated     = "last_rotated"
	KColLastUsed        = "last_used"       // null when never used or unknown
	KColLastUsedState   = "last_used_state" // used | never | no_information
	KColLastUsedRegion  = "last_used_region"
	KColLastUsedService = "last_used_service"
	KColUserKeyCount    = "user_key_count"        // existing slots of this user: 1 or 2
	KColUserActiveKeys  = "user_active_key_count" // active slots of this user: 0..2
	KColReportGenerated = "report_generated_time"
	KColSourceFile      = "source_file"
	KColSourceLine      = "source_line"
)

// KeySchema is the schema of the per-key view.
var KeySchema = arrow.NewSchema([]arrow.Field{
	{Name: KColAccountID, Type: arrow.BinaryTypes.String},
	{Name: KColUser, Type: arrow.BinaryTypes.String},
	{Name: KColARN, Type: arrow.BinaryTypes.String},
	{Name: KColIsRoot, Type: arrow.FixedWidthTypes.Boolean},
	{Name: KColKeySlot, Type: arrow.PrimitiveTypes.Int32},
	{Name: KColActive, Type: arrow.FixedWidthTypes.Boolean},
	{Name: KColLastRotated, Type: Timestamp},
	{Name: KColLastUsed, Type: Timestamp, Nullable: true},
	{Name: KColLastUsedState, Type: arrow.BinaryTypes.String},
	{Name: KColLastUsedRegion, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColLastUsedService, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColUserKeyCount, Type: arrow.PrimitiveTypes.Int32},
	{Name: KColUserActiveKeys, Type: arrow.PrimitiveTypes.Int32},
	{Name: KColReportGenerated, Type: Timestamp, Nullable: true},
	{Name: KColSourceFile, Type: arrow.BinaryTypes.String},
	{Name: KColSourceLine, Type: arrow.PrimitiveTypes.Int64},
}, nil)

// Last-used states, kept beside the nullable last-used timestamps: a key
// never used is not the same as a key whose use is unknown.
const (
	StateUsed          = "used"
	StateNever         = "never"          // N/A in the report
	StateNoInformation = "no_information" // IAM has no data (e.g. before it tracked use)
)

// Report is one parsed credential report.
type Report struct {
	File          string    // path as given by the user
	Format        string    // "csv", "json-base64" or "json-text"
	AccountID     string    // from the ARN column; empty if no row had one
	GeneratedTime time.Time // zero when unknown (plain CSV)
	Rows          []Row
	RowsRead      int // data rows read (header excluded)
	RowsRejected  int // data rows rejected (see the errors returned with it)
}

// Row is one row of a credential report. A zero time means null; the
// *State fields keep why.
type Row struct {
	Line                  int
	User, ARN, AccountID  string
	IsRoot                bool
	UserCreationTime      time.Time
	PasswordEnabled       *bool
	PasswordLastUsed      time.Time
	PasswordLastUsedState string
	PasswordLastChanged   time.Time
	PasswordNextRotation  time.Time
	MFAActive             *bool
	Keys                  [2]KeySlot
	Certs                 [2]CertSlot
}

// KeySlot is one access-key slot of a row.
type KeySlot struct {
	Active          bool
	Exists          bool // last_rotated is not N/A
	LastRotated     time.Time
	LastUsed        time.Time
	LastUsedState   string
	LastUsedRegion  string // "" when N/A
	LastUsedService string // "" when N/A
}

// CertSlot is one signing-certificate slot of a row.
type CertSlot struct {
	Active      bool
	LastRotated time.Time
}
