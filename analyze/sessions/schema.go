package sessions

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// Column indexes of SessionSchema.
const (
	ColAccessKeyID = iota
	ColAccountID
	ColIssuedBy
	ColIssuedAt
	ColIssuerAccessKeyID
	ColRoleARN
	ColSessionName
	ColSourceIdentity
	ColRootKind
	ColRootPrincipal
	ColRootAccessKeyID
	ColChainDepth
	ColEventCount
	ColFirstSeen
	ColLastSeen
	ColUsedByARN
	ColNote
	ColAgeDays
	ColUnusedDays
	NumColumns
)

// SessionSchema is the schema of SessionsRecord: one row per temporary key.
// Every column but access_key_id, root_kind and event_count is nullable:
// empty strings, zero times and a zero chain depth are nulls. age_days and
// unused_days are whole days from issued_at and last_seen to the as-of
// time: null when the time is unknown, there is no as-of time, or it is
// after the as-of time (never negative).
var SessionSchema = arrow.NewSchema([]arrow.Field{
	{Name: "access_key_id", Type: arrow.BinaryTypes.String},
	{Name: "account_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "issued_by", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "issued_at", Type: cloudtrail.Timestamp, Nullable: true},
	{Name: "issuer_access_key_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "role_arn", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "session_name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "source_identity", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "root_kind", Type: arrow.BinaryTypes.String},
	{Name: "root_principal", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "root_access_key_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "chain_depth", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "event_count", Type: arrow.PrimitiveTypes.Int64},
	{Name: "first_seen", Type: cloudtrail.Timestamp, Nullable: true},
	{Name: "last_seen", Type: cloudtrail.Timestamp, Nullable: true},
	{Name: "used_by_arn", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "age_days", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "unused_days", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// SessionsRecord builds one record of SessionSchema from sessions, in the
// order given, with ages against asOf (a zero asOf leaves them null). The
// caller owns the record and must Release it.
func SessionsRecord(mem memory.Allocator, sessions []Session, asOf time.Time) arrow.Record {
	b := array.NewRecordBuilder(mem, SessionSchema)
	defer b.Release()
	b.Reserve(len(sessions))
	str := func(col int, v string) {
		sb := b.Field(col).(*array.StringBuilder)
		if v == "" && SessionSchema.Field(col).Nullable {
			sb.AppendNull()
		} else {
			sb.Append(v)
		}
	}
	ts := func(col int, v time.Time) {
		tb := b.Field(col).(*array.TimestampBuilder)
		if v.IsZero() {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(v.UnixMilli()))
		}
	}
	days := func(col int, t time.Time) {
		ib := b.Field(col).(*array.Int64Builder)
		if d, ok := analyze.DaysSince(asOf, t); ok {
			ib.Append(d)
		} else {
			ib.AppendNull()
		}
	}
	for _, s := range sessions {
		str(ColAccessKeyID, s.AccessKeyID)
		str(ColAccountID, s.AccountID)
		str(ColIssuedBy, s.IssuedBy)
		ts(ColIssuedAt, s.IssuedAt)
		str(ColIssuerAccessKeyID, s.IssuerAccessKeyID)
		str(ColRoleARN, s.RoleARN)
		str(ColSessionName, s.SessionName)
		str(ColSourceIdentity, s.SourceIdentity)
		str(ColRootKind, string(s.RootKind))
		str(ColRootPrincipal, s.RootPrincipal)
		str(ColRootAccessKeyID, s.RootAccessKeyID)
		if db := b.Field(ColChainDepth).(*array.Int32Builder); s.ChainDepth == 0 {
			db.AppendNull()
		} else {
			db.Append(int32(s.ChainDepth))
		}
		b.Field(ColEventCount).(*array.Int64Builder).Append(s.EventCount)
		ts(ColFirstSeen, s.FirstSeen)
		ts(ColLastSeen, s.LastSeen)
		str(ColUsedByARN, s.UsedByARN)
		str(ColNote, s.Note)
		days(ColAgeDays, s.IssuedAt)
		days(ColUnusedDays, s.LastSeen)
	}
	return b.NewRecord()
}
