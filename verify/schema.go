package verify

import (
	"path"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Column names of Schema.
const (
	ColChain     = "chain"
	ColKind      = "kind"
	ColFile      = "file"
	ColStatus    = "status"
	ColPath      = "path"
	ColS3Object  = "s3_object"
	ColAccountID = "account_id"
	ColRegion    = "region"
	ColStart     = "start_time"
	ColEnd       = "end_time"
	ColListedBy  = "listed_by"
	ColExpected  = "expected_sha256"
	ColActual    = "actual_sha256"
	ColSignature = "signature"
	ColDetail    = "detail"
)

// Timestamp is the type of the time columns: UTC milliseconds, like the
// other keyaudit records.
var Timestamp = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// Schema is the schema of Result.Record, one row per file:
//
//	chain            ACCOUNT/REGION/TRAIL[/backfill]; null for a file in no chain
//	kind             digest or log
//	file             the file name (the last part of s3_object), for tables
//	status           one of Statuses()
//	path             the local file; null when missing
//	s3_object        the S3 key as the naming digest has it (else from AWSLogs/ on)
//	account_id       region: of the file
//	start_time       end_time: a digest's hour; a missing range (start null
//	                 when no older digest is in PATH); a log's oldest and
//	                 newest event, from its digest
//	listed_by        the digest naming the file (a log's digest, a digest's successor)
//	expected_sha256  the hash the naming digest holds
//	actual_sha256    the hash of the uncompressed first gzip member
//	signature        digests: verified, invalid, not-checked, not-saved, no-successor
//	detail           why, in words
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: ColChain, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColKind, Type: arrow.BinaryTypes.String},
	{Name: ColFile, Type: arrow.BinaryTypes.String},
	{Name: ColStatus, Type: arrow.BinaryTypes.String},
	{Name: ColPath, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColS3Object, Type: arrow.BinaryTypes.String},
	{Name: ColAccountID, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColRegion, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColStart, Type: Timestamp, Nullable: true},
	{Name: ColEnd, Type: Timestamp, Nullable: true},
	{Name: ColListedBy, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColExpected, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColActual, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColSignature, Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: ColDetail, Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// Record builds one record of Schema from r.Rows, in order, allocating from
// mem. The caller releases it.
func (r *Result) Record(mem memory.Allocator) arrow.Record {
	b := array.NewRecordBuilder(mem, Schema)
	defer b.Release()
	b.Reserve(len(r.Rows))
	str := func(col int, v string) {
		sb := b.Field(col).(*array.StringBuilder)
		if v == "" && Schema.Field(col).Nullable {
			sb.AppendNull()
		} else {
			sb.Append(v)
		}
	}
	ts := func(col int, t time.Time) {
		tb := b.Field(col).(*array.TimestampBuilder)
		if t.IsZero() {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(t.UnixMilli()))
		}
	}
	for _, row := range r.Rows {
		str(0, row.Chain)
		str(1, row.Kind.String())
		str(2, path.Base(row.S3Object))
		str(3, string(row.Status))
		str(4, row.Path)
		str(5, row.S3Object)
		str(6, row.Account)
		str(7, row.Region)
		ts(8, row.Start)
		ts(9, row.End)
		str(10, row.ListedBy)
		str(11, row.Expected)
		str(12, row.Actual)
		str(13, row.Signature)
		str(14, row.Detail)
	}
	return b.NewRecord()
}
