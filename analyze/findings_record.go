package analyze

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FindingsRecord builds one record of FindingSchema from fs, in fs order
// (sort first with SortFindings). It allocates from mem; the caller releases
// the record. An empty fs gives a record with no rows.
func FindingsRecord(mem memory.Allocator, fs []Finding) arrow.Record {
	return findingsRecord(mem, FindingSchema, fs)
}

// FindingsBaselineRecord is FindingsRecord with the columns of
// FindingBaselineSchema: each finding's Status and FirstSeen (zero is null).
// The caller releases the record.
func FindingsBaselineRecord(mem memory.Allocator, fs []Finding) arrow.Record {
	return findingsRecord(mem, FindingBaselineSchema, fs)
}

func findingsRecord(mem memory.Allocator, schema *arrow.Schema, fs []Finding) arrow.Record {
	baseline := schema.NumFields() > FNumColumns
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Reserve(len(fs))
	str := func(i int) *array.StringBuilder { return b.Field(i).(*array.StringBuilder) }
	optStr := func(i int, v string) {
		if v == "" {
			str(i).AppendNull()
		} else {
			str(i).Append(v)
		}
	}
	ts := func(i int, t time.Time) {
		tb := b.Field(i).(*array.TimestampBuilder)
		if t.IsZero() {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(t.UnixMilli()))
		}
	}
	slot := b.Field(FIdxKeySlot).(*array.Int32Builder)
	age := b.Field(FIdxAgeDays).(*array.Int64Builder)
	muted := b.Field(FIdxMuted).(*array.BooleanBuilder)
	for _, f := range fs {
		str(FIdxRule).Append(f.Rule)
		str(FIdxSeverity).Append(f.Severity.String())
		str(FIdxAccountID).Append(f.AccountID)
		str(FIdxUser).Append(f.User)
		str(FIdxARN).Append(f.ARN)
		if f.KeySlot == 0 {
			slot.AppendNull()
		} else {
			slot.Append(int32(f.KeySlot))
		}
		optStr(FIdxAccessKeyID, f.AccessKeyID)
		optStr(FIdxKeyStatus, f.KeyStatus)
		ts(FIdxLastRotated, f.LastRotated)
		ts(FIdxLastUsed, f.LastUsed)
		if f.AgeDays == -1 {
			age.AppendNull()
		} else {
			age.Append(f.AgeDays)
		}
		str(FIdxDetail).Append(f.Detail)
		muted.Append(f.Muted)
		optStr(FIdxMuteReason, f.MuteReason)
		if baseline {
			str(FIdxStatus).Append(f.Status)
			ts(FIdxFirstSeen, f.FirstSeen)
		}
	}
	return b.NewRecord()
}

// SetAccessKeyIDs fills AccessKeyID of every key-slot finding (KeySlot 1
// or 2) that has none, with lookup(account, user, slot) — typically the key
// inventory's answer once CloudTrail resolved which key ID sits in which
// slot. lookup returns "" when it does not know; per-user findings and
// findings with an ID already are left alone. Call it before
// ApplySuppressions so suppressions by key match.
func SetAccessKeyIDs(fs []Finding, lookup func(account, user string, slot int) string) {
	for i := range fs {
		f := &fs[i]
		if f.KeySlot == 0 || f.AccessKeyID != "" {
			continue
		}
		f.AccessKeyID = lookup(f.AccountID, f.User, f.KeySlot)
	}
}
