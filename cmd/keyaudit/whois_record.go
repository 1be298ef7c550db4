package main

import (
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/analyze/keyid"
	"github.com/keyaudit/keyaudit/analyze/sessions"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// whoisSchema is the record of whois -f csv|json: one row per ID given,
// what the ID says (valid, type, account) and what the inputs say of it
// (the inventory for a long-term key, the attribution for a temporary one).
// Empty values are nulls.
var whoisSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "valid", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "type", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "account", Type: arrow.BinaryTypes.String, Nullable: true},      // decoded from the ID
	{Name: "account_note", Type: arrow.BinaryTypes.String, Nullable: true}, // why account is empty
	{Name: "owner_account", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "user", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "key_slot", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "resolved_by", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "source", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "issued_by", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "issued_at", Type: credreport.Timestamp, Nullable: true},
	{Name: "root_kind", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "root_principal", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "event_count", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "first_seen", Type: credreport.Timestamp, Nullable: true},
	{Name: "last_seen", Type: credreport.Timestamp, Nullable: true},
	{Name: "error", Type: arrow.BinaryTypes.String, Nullable: true}, // why the ID is not valid
}, nil)

// whoisRecord builds one whoisSchema record for ids, in order, and
// reports how many are not valid IDs. The caller releases the record.
func whoisRecord(mem memory.Allocator, ids []string, ki *inventory.Inventory, sr *sessions.Result) (arrow.Record, int) {
	b := array.NewRecordBuilder(mem, whoisSchema)
	defer b.Release()
	col := 0
	next := func() array.Builder { col++; return b.Field(col - 1) }
	str := func(v string) {
		sb := next().(*array.StringBuilder)
		if v == "" {
			sb.AppendNull()
		} else {
			sb.Append(v)
		}
	}
	ts := func(t time.Time) {
		tb := next().(*array.TimestampBuilder)
		if t.IsZero() {
			tb.AppendNull()
		} else {
			tb.Append(arrow.Timestamp(t.UnixMilli()))
		}
	}
	count := func(n int64, ok bool) {
		ib := next().(*array.Int64Builder)
		if ok {
			ib.Append(n)
		} else {
			ib.AppendNull()
		}
	}
	bad := 0
	for _, id := range ids {
		col = 0
		info, err := keyid.Lookup(id)
		str(id)
		next().(*array.BooleanBuilder).Append(err == nil)
		if err != nil {
			bad++
		}
		str(info.Description)
		str(info.Account)
		str(info.NoAccountReason)
		var k inventory.Key
		var s sessions.Session
		kOK, sOK := false, false
		if err == nil && ki != nil {
			k, kOK = ki.Key(id)
		}
		if err == nil && sr != nil {
			s, sOK = sr.Session(id)
		}
		slot := ""
		if kOK {
			slot = k.SlotString()
		}
		str(k.AccountID)
		str(k.User)
		str(slot)
		str(k.ResolvedBy)
		str(k.Status)
		str(k.Source)
		str(s.IssuedBy)
		ts(s.IssuedAt)
		str(string(s.RootKind))
		str(s.RootPrincipal)
		n, first, last := k.EventCount, k.FirstSeen, k.LastSeen
		if sOK && !kOK {
			n, first, last = s.EventCount, s.FirstSeen, s.LastSeen
		}
		count(n, kOK || sOK)
		ts(first)
		ts(last)
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		str(msg)
	}
	return b.NewRecord(), bad
}
