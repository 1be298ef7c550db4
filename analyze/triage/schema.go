package triage

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Column names of Schema, in order.
const (
	ColVerdict             = "verdict"
	ColAccessKeyID         = "access_key_id"
	ColPartial             = "partial"
	ColKeyType             = "key_type"
	ColAccountID           = "account_id"
	ColAccountNote         = "account_note"
	ColOurs                = "ours"
	ColOwner               = "owner"
	ColARN                 = "arn"
	ColKnownBy             = "known_by"
	ColStatus              = "status"
	ColCreated             = "created"
	ColLastUsed            = "last_used"
	ColLastService         = "last_used_service"
	ColLastRegion          = "last_used_region"
	ColFirstSeen           = "first_seen"
	ColLastSeen            = "last_seen"
	ColCalls               = "event_count"
	ColRootKind            = "root_kind"
	ColRootPrincipal       = "root_principal"
	ColRootAccessKeyID     = "root_access_key_id"
	ColExpires             = "expires"
	ColExpired             = "expired"
	ColCallerIdentityCalls = "get_caller_identity_calls"
	ColLastCallerIdentity  = "last_get_caller_identity"
	ColScannerVerified     = "scanner_verified"
	ColLeakedAt            = "leaked_at"
	ColCallsAfterLeak      = "calls_after_leak"
	ColFirstUseAfterLeak   = "first_use_after_leak"
	ColLocations           = "locations"
	ColScanners            = "scanners"
	ColNextStep            = "next_step"
	ColNote                = "note"
)

// LocationSep joins the locations (and scanners) of a row in one cell.
const LocationSep = "; "

var ts = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// Schema is the schema of Record: one row per leaked key ID. Times are
// UTC milliseconds; nulls are unknowns (expired is null when the expiry is
// not known, calls_after_leak when there is no leak date or no
// CloudTrail). locations are file:line@commit joined by LocationSep.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: ColVerdict, Type: arrow.BinaryTypes.String},
	{Name: ColAccessKeyID, Type: arrow.BinaryTypes.String},
	{Name: ColPartial, Type: arrow.FixedWidthTypes.Boolean},
	{Name: ColKeyType, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColAccountID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColAccountNote, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColOurs, Type: arrow.BinaryTypes.String},
	{Name: ColOwner, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColARN, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColKnownBy, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColStatus, Type: arrow.BinaryTypes.String},
	{Name: ColCreated, Type: ts, Nullable: true},
	{Name: ColLastUsed, Type: ts, Nullable: true},
	{Name: ColLastService, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColLastRegion, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColFirstSeen, Type: ts, Nullable: true},
	{Name: ColLastSeen, Type: ts, Nullable: true},
	{Name: ColCalls, Type: arrow.PrimitiveTypes.Int64},
	{Name: ColRootKind, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColRootPrincipal, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColRootAccessKeyID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColExpires, Type: ts, Nullable: true},
	{Name: ColExpired, Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: ColCallerIdentityCalls, Type: arrow.PrimitiveTypes.Int64},
	{Name: ColLastCallerIdentity, Type: ts, Nullable: true},
	{Name: ColScannerVerified, Type: arrow.FixedWidthTypes.Boolean},
	{Name: ColLeakedAt, Type: ts, Nullable: true},
	{Name: ColCallsAfterLeak, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: ColFirstUseAfterLeak, Type: ts, Nullable: true},
	{Name: ColLocations, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColScanners, Type: arrow.BinaryTypes.String},
	{Name: ColNextStep, Type: arrow.BinaryTypes.String},
	{Name: ColNote, Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// Record returns rows as one record of Schema, built with mem. The rows
// are bounded by the number of leaked key IDs, so there is one record, not
// batches. The caller releases the record.
func Record(mem memory.Allocator, rows []Row) arrow.Record {
	b := array.NewRecordBuilder(mem, Schema)
	defer b.Release()
	b.Reserve(len(rows))
	for _, r := range rows {
		i := 0
		next := func() array.Builder { f := b.Field(i); i++; return f }
		str := func(v string) {
			f := next().(*array.StringBuilder)
			if v == "" && Schema.Field(i-1).Nullable {
				f.AppendNull()
				return
			}
			f.Append(v)
		}
		tm := func(v time.Time) {
			f := next().(*array.TimestampBuilder)
			if v.IsZero() {
				f.AppendNull()
				return
			}
			f.Append(arrow.Timestamp(v.UnixMilli()))
		}
		i64 := func(v *int64) {
			f := next().(*array.Int64Builder)
			if v == nil {
				f.AppendNull()
				return
			}
			f.Append(*v)
		}
		boolean := func(v *bool) {
			f := next().(*array.BooleanBuilder)
			if v == nil {
				f.AppendNull()
				return
			}
			f.Append(*v)
		}
		str(string(r.Verdict))
		str(r.AccessKeyID)
		boolean(&r.Partial)
		str(r.KeyType)
		str(r.AccountID)
		str(r.AccountNote)
		str(r.Ours)
		str(r.Owner)
		str(r.ARN)
		str(r.KnownBy)
		str(r.Status)
		tm(r.Created)
		tm(r.LastUsed)
		str(r.LastService)
		str(r.LastRegion)
		tm(r.FirstSeen)
		tm(r.LastSeen)
		i64(&r.Calls)
		str(r.RootKind)
		str(r.RootPrincipal)
		str(r.RootAccessKeyID)
		tm(r.Expires)
		boolean(r.Expired)
		i64(&r.CallerIdentityCalls)
		tm(r.LastCallerIdentity)
		boolean(&r.ScannerVerified)
		tm(r.LeakedAt)
		i64(r.CallsAfterLeak)
		tm(r.FirstUseAfterLeak)
		str(strings.Join(r.Locations, LocationSep))
		str(strings.Join(r.Scanners, LocationSep))
		str(r.NextStep)
		str(r.Note)
	}
	return b.NewRecord()
}
