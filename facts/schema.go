package facts

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Version is the facts_version this keyaudit writes and reads. It changes
// on any change to a table's set, a grain, a column's meaning or type
// family, or the fold rules: a reader never guesses.
const Version = 1

// Table names one fact table.
type Table int

// The fact tables, in the order they are written.
const (
	KeyUse Table = iota
	SessionUse
	STSIssue
	KeyLifecycle
	Principals
	EventAccounts
	Manifest
	NumTables
)

var tableNames = [NumTables]string{
	KeyUse:        "key_use",
	SessionUse:    "session_use",
	STSIssue:      "sts_issue",
	KeyLifecycle:  "key_lifecycle",
	Principals:    "principals",
	EventAccounts: "event_accounts",
	Manifest:      "manifest",
}

func (t Table) String() string {
	if t < 0 || t >= NumTables {
		return fmt.Sprintf("Table(%d)", int(t))
	}
	return tableNames[t]
}

// TableByName returns the table called name.
func TableByName(name string) (Table, bool) {
	for t, n := range tableNames {
		if n == name {
			return Table(t), true
		}
	}
	return 0, false
}

// Kind is the type family of a column. Readers accept any Arrow type of
// the family (see the reader); writers use the canonical type.
type Kind int

const (
	Str  Kind = iota // utf8, nullable; null and "" are the same value
	I64              // int64
	Time             // int64 Unix milliseconds, UTC; nullable (null: unknown)
	Date             // date32, days since 1970-01-01 (UTC)
	Bool             // boolean; null is false
	I32              // int32 (manifest.facts_version only)
)

// Column is one column of a fact table.
type Column struct {
	Name string
	Kind Kind
}

// Column indexes of key_use.
const (
	KUAccessKeyID = iota
	KUType
	KUARN
	KUUserName
	KUAccountID
	KURecipient
	KUDay
	KUEventSource
	KURegion
	KUSourceIP
	KUUserAgent
	KUCalls
	KUFirst
	KULast
	kuN
)

// Column indexes of session_use.
const (
	SUAccessKeyID = iota
	SUType
	SUARN
	SUUserName
	SUAccountID
	SUIssuerType
	SUIssuerARN
	SUCreationDate
	SUSourceIdentity
	SUInvokedBy
	SURecipient
	SUConsoleHint
	SUCalls
	SUFirst
	SULast
	suN
)

// Column indexes of sts_issue.
const (
	SIEventTime = iota
	SIEventID
	SISharedEventID
	SIRequestID
	SIEventName
	SIRecipient
	SISourceIP
	SIUserAgent
	SIAccessKeyID // the issuer's key: the parent link of chains
	SIType
	SIARN
	SIAccountID
	SIPrincipalID
	SIInvokedBy
	SIFromConsole
	SIIssuedKeyID
	SIIssuedExpiration
	SIAssumedRoleARN
	SIRoleARN
	SIRoleSessionName
	SISourceIdentity
	SIPrincipalARN
	SITargetPrincipal
	SIName
	SISubject
	SIProvider
	SIWebSubject
	siN
)

// Column indexes of key_lifecycle.
const (
	KLEventTime = iota
	KLEventID
	KLSharedEventID
	KLEventName
	KLErrorCode
	KLSourceIP
	KLType
	KLUserName
	KLARN
	KLAccountID
	KLReqUserName
	KLReqAccessKeyID
	KLReqStatus
	KLRespAccessKeyID
	KLRespCreateDate
	KLRespUserName
	klN
)

// Column indexes of principals.
const (
	PRPrincipalID = iota
	PRARN
	prN
)

// Column indexes of event_accounts.
const (
	EARecipient = iota
	EAEvents
	EAFirst
	EALast
	eaN
)

// Column indexes of manifest.
const (
	MFVersion = iota
	MFTable
	MFRows
	MFProducer
	MFDedup
	MFScope
	MFMissing
	mfN
)

var columns = [NumTables][]Column{
	KeyUse: {
		KUAccessKeyID: {"access_key_id", Str},
		KUType:        {"user_identity_type", Str},
		KUARN:         {"user_identity_arn", Str},
		KUUserName:    {"user_identity_user_name", Str},
		KUAccountID:   {"user_identity_account_id", Str},
		KURecipient:   {"recipient_account_id", Str},
		KUDay:         {"day", Date},
		KUEventSource: {"event_source", Str},
		KURegion:      {"aws_region", Str},
		KUSourceIP:    {"source_ip_address", Str},
		KUUserAgent:   {"user_agent", Str},
		KUCalls:       {"calls", I64},
		KUFirst:       {"first_time", Time},
		KULast:        {"last_time", Time},
	},
	SessionUse: {
		SUAccessKeyID:    {"access_key_id", Str},
		SUType:           {"user_identity_type", Str},
		SUARN:            {"user_identity_arn", Str},
		SUUserName:       {"user_identity_user_name", Str},
		SUAccountID:      {"user_identity_account_id", Str},
		SUIssuerType:     {"session_issuer_type", Str},
		SUIssuerARN:      {"session_issuer_arn", Str},
		SUCreationDate:   {"session_creation_date", Time},
		SUSourceIdentity: {"user_identity_source_identity", Str},
		SUInvokedBy:      {"user_identity_invoked_by", Str},
		SURecipient:      {"recipient_account_id", Str},
		SUConsoleHint:    {"console_hint", Bool},
		SUCalls:          {"calls", I64},
		SUFirst:          {"first_time", Time},
		SULast:           {"last_time", Time},
	},
	STSIssue: {
		SIEventTime:        {"event_time", Time},
		SIEventID:          {"event_id", Str},
		SISharedEventID:    {"shared_event_id", Str},
		SIRequestID:        {"request_id", Str},
		SIEventName:        {"event_name", Str},
		SIRecipient:        {"recipient_account_id", Str},
		SISourceIP:         {"source_ip_address", Str},
		SIUserAgent:        {"user_agent", Str},
		SIAccessKeyID:      {"user_identity_access_key_id", Str},
		SIType:             {"user_identity_type", Str},
		SIARN:              {"user_identity_arn", Str},
		SIAccountID:        {"user_identity_account_id", Str},
		SIPrincipalID:      {"user_identity_principal_id", Str},
		SIInvokedBy:        {"user_identity_invoked_by", Str},
		SIFromConsole:      {"session_credential_from_console", Bool},
		SIIssuedKeyID:      {"issued_access_key_id", Str},
		SIIssuedExpiration: {"issued_expiration", Time},
		SIAssumedRoleARN:   {"issued_assumed_role_arn", Str},
		SIRoleARN:          {"request_role_arn", Str},
		SIRoleSessionName:  {"request_role_session_name", Str},
		SISourceIdentity:   {"request_source_identity", Str},
		SIPrincipalARN:     {"request_principal_arn", Str},
		SITargetPrincipal:  {"request_target_principal", Str},
		SIName:             {"request_name", Str},
		SISubject:          {"response_subject", Str},
		SIProvider:         {"response_provider", Str},
		SIWebSubject:       {"response_subject_from_web_identity_token", Str},
	},
	KeyLifecycle: {
		KLEventTime:       {"event_time", Time},
		KLEventID:         {"event_id", Str},
		KLSharedEventID:   {"shared_event_id", Str},
		KLEventName:       {"event_name", Str},
		KLErrorCode:       {"error_code", Str},
		KLSourceIP:        {"source_ip_address", Str},
		KLType:            {"user_identity_type", Str},
		KLUserName:        {"user_identity_user_name", Str},
		KLARN:             {"user_identity_arn", Str},
		KLAccountID:       {"user_identity_account_id", Str},
		KLReqUserName:     {"request_user_name", Str},
		KLReqAccessKeyID:  {"request_access_key_id", Str},
		KLReqStatus:       {"request_status", Str},
		KLRespAccessKeyID: {"response_access_key_id", Str},
		KLRespCreateDate:  {"response_access_key_create_date", Time},
		KLRespUserName:    {"response_access_key_user_name", Str},
	},
	Principals: {
		PRPrincipalID: {"user_identity_principal_id", Str},
		PRARN:         {"user_identity_arn", Str},
	},
	EventAccounts: {
		EARecipient: {"recipient_account_id", Str},
		EAEvents:    {"events", I64},
		EAFirst:     {"first_time", Time},
		EALast:      {"last_time", Time},
	},
	Manifest: {
		MFVersion:  {"facts_version", I32},
		MFTable:    {"table_name", Str},
		MFRows:     {"rows", I64},
		MFProducer: {"producer", Str},
		MFDedup:    {"dedup", Str},
		MFScope:    {"scope", Str},
		MFMissing:  {"missing", Str},
	},
}

// Columns returns the columns of table t, in order. The slice is shared:
// do not modify it.
func Columns(t Table) []Column { return columns[t] }

// ArrowType is the canonical Arrow type of a kind.
func (k Kind) ArrowType() arrow.DataType {
	switch k {
	case I64, Time:
		return arrow.PrimitiveTypes.Int64
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case I32:
		return arrow.PrimitiveTypes.Int32
	}
	return arrow.BinaryTypes.String
}

func (k Kind) String() string {
	return [...]string{"str", "i64", "time", "date", "bool", "i32"}[k]
}

var schemas [NumTables]*arrow.Schema

func init() {
	for t := range schemas {
		fs := make([]arrow.Field, len(columns[t]))
		for i, c := range columns[t] {
			nullable := c.Kind == Str || c.Kind == Time
			fs[i] = arrow.Field{Name: c.Name, Type: c.Kind.ArrowType(), Nullable: nullable}
		}
		md := arrow.NewMetadata([]string{"keyaudit:facts_version", "keyaudit:table"},
			[]string{fmt.Sprint(Version), tableNames[t]})
		schemas[t] = arrow.NewSchema(fs, &md)
	}
}

// Schema is the canonical Arrow schema of table t.
func Schema(t Table) *arrow.Schema { return schemas[t] }
