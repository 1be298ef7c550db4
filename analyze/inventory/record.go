package inventory

import (
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// Column names of KeySchema, in order.
const (
	KColAccountID        = "account_id"
	KColUser             = "user"
	KColAccessKeyID      = "access_key_id"
	KColKeySlot          = "key_slot" // "1", "2" or "unknown"
	KColStatus           = "status"
	KColCreated          = "created"
	KColLastUsed         = "last_used"
	KColEventCount       = "event_count"
	KColFirstSeen        = "first_seen"
	KColLastSeen         = "last_seen"
	KColResolvedBy       = "resolved_by"
	KColCreatedBy        = "created_by"
	KColDeletedAt        = "deleted_at"
	KColDeletedBy        = "deleted_by"
	KColLastStatusChange = "last_status_change"
	KColSourceIPs        = "source_ips"
	KColSourceIPsExact   = "source_ips_exact"
	KColDecodedAccount   = "decoded_account"
	KColARN              = "arn"
	KColIsRoot           = "is_root"
	KColNote             = "note"
	KColSource           = "source"      // credential-report, cloudtrail, credentials-file, joined by "+"
	KColAgeDays          = "age_days"    // whole days from created to the as-of time
	KColUnusedDays       = "unused_days" // whole days from last_used to the as-of time
)

// SlotUnknown is the key_slot value of a key whose slot is not known.
const SlotUnknown = "unknown"

// KeySchema is the schema of the key inventory record: one row per key of
// Inventory.Keys. key_slot is a string ("1", "2" or "unknown") rather than
// a nullable integer, so that CSV and table output say "unknown" instead
// of an empty cell; resolved_by names the rule that placed the key;
// access_key_id is null for a report slot no key of the logs is tied to;
// source says where the key is known from. age_days and unused_days are
// whole days from created and last_used to the as-of time given to
// KeyRecord: null when the date is unknown, there is no as-of time, or the
// date is after it (never negative; the note then names the date). Times
// are credreport.Timestamp.
var KeySchema = arrow.NewSchema([]arrow.Field{
	{Name: KColAccountID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColUser, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColAccessKeyID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColKeySlot, Type: arrow.BinaryTypes.String},
	{Name: KColStatus, Type: arrow.BinaryTypes.String},
	{Name: KColCreated, Type: credreport.Timestamp, Nullable: true},
	{Name: KColLastUsed, Type: credreport.Timestamp, Nullable: true},
	{Name: KColEventCount, Type: arrow.PrimitiveTypes.Int64},
	{Name: KColFirstSeen, Type: credreport.Timestamp, Nullable: true},
	{Name: KColLastSeen, Type: credreport.Timestamp, Nullable: true},
	{Name: KColResolvedBy, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColCreatedBy, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColDeletedAt, Type: credreport.Timestamp, Nullable: true},
	{Name: KColDeletedBy, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColLastStatusChange, Type: credreport.Timestamp, Nullable: true},
	{Name: KColSourceIPs, Type: arrow.PrimitiveTypes.Int64},
	{Name: KColSourceIPsExact, Type: arrow.FixedWidthTypes.Boolean},
	{Name: KColDecodedAccount, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColARN, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColIsRoot, Type: arrow.FixedWidthTypes.Boolean},
	{Name: KColNote, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: KColSource, Type: arrow.BinaryTypes.String},
	{Name: KColAgeDays, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: KColUnusedDays, Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// SlotString is the key_slot value of a slot number: "1", "2", or
// SlotUnknown for 0.
func SlotString(slot int) string {
	if slot == 1 || slot == 2 {
		return strconv.Itoa(slot)
	}
	return SlotUnknown
}

// KeyRecord builds one record of KeySchema from inv.Keys, in order, with
// ages against asOf (a zero asOf leaves them null). It allocates from mem;
// the caller releases the record.
func (inv *Inventory) KeyRecord(mem memory.Allocator, asOf time.Time) arrow.Record {
	rb := newRowBuilder(mem, KeySchema)
	defer rb.release()
	for _, k := range inv.Keys {
		age, ageOK := analyze.DaysSince(asOf, k.Created)
		unused, unusedOK := analyze.DaysSince(asOf, k.LastUsed)
		note := k.Note
		for _, d := range []struct {
			what string
			t    time.Time
		}{{"created", k.Created}, {"last used", k.LastUsed}} {
			if !asOf.IsZero() && d.t.After(asOf) {
				note = joinNote(note, d.what+" "+analyze.AfterAsOf(d.t))
			}
		}
		rb.str(k.AccountID)
		rb.str(k.User)
		rb.str(k.AccessKeyID)
		rb.str(SlotString(k.Slot))
		rb.str(k.Status)
		rb.ts(k.Created)
		rb.ts(k.LastUsed)
		rb.i64(k.EventCount)
		rb.ts(k.FirstSeen)
		rb.ts(k.LastSeen)
		rb.str(k.ResolvedBy)
		rb.str(k.CreatedBy)
		rb.ts(k.DeletedAt)
		rb.str(k.DeletedBy)
		rb.ts(k.LastStatusChange)
		rb.i64(k.SourceIPs)
		rb.boolean(k.SourceIPsExact)
		rb.str(k.DecodedAccount)
		rb.str(k.ARN)
		rb.boolean(k.IsRoot)
		rb.str(note)
		rb.str(k.Source)
		rb.optI64(age, ageOK)
		rb.optI64(unused, unusedOK)
		rb.endRow()
	}
	return rb.b.NewRecord()
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// rowBuilder appends values column by column, in schema order. Empty
// strings and zero times in nullable columns are nulls; in non-nullable
// string columns an empty string stays "".
type rowBuilder struct {
	b      *array.RecordBuilder
	schema *arrow.Schema
	col    int
}

func newRowBuilder(mem memory.Allocator, s *arrow.Schema) *rowBuilder {
	return &rowBuilder{b: array.NewRecordBuilder(mem, s), schema: s}
}

func (r *rowBuilder) release() { r.b.Release() }

func (r *rowBuilder) next() (arrow.Field, array.Builder) {
	i := r.col
	r.col++
	return r.schema.Field(i), r.b.Field(i)
}

func (r *rowBuilder) endRow() {
	if r.col != r.schema.NumFields() {
		panic("inventory: row has " + strconv.Itoa(r.col) + " values for " + strconv.Itoa(r.schema.NumFields()) + " columns")
	}
	r.col = 0
}

func (r *rowBuilder) str(v string) {
	f, b := r.next()
	sb := b.(*array.StringBuilder)
	if v == "" && f.Nullable {
		sb.AppendNull()
		return
	}
	sb.Append(v)
}

func (r *rowBuilder) ts(t time.Time) {
	_, b := r.next()
	tb := b.(*array.TimestampBuilder)
	if t.IsZero() {
		tb.AppendNull()
		return
	}
	tb.Append(arrow.Timestamp(t.UnixMilli()))
}

func (r *rowBuilder) i64(v int64) {
	_, b := r.next()
	b.(*array.Int64Builder).Append(v)
}

func (r *rowBuilder) boolean(v bool) {
	_, b := r.next()
	b.(*array.BooleanBuilder).Append(v)
}

func (r *rowBuilder) optI64(v int64, valid bool) {
	_, b := r.next()
	ib := b.(*array.Int64Builder)
	if !valid {
		ib.AppendNull()
		return
	}
	ib.Append(v)
}
