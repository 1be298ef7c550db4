package inventory

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

const (
	acctA = "111122223333"
	acctB = "444455556666"
	acctC = "777788889999"
)

// t0 is the fixtures' reference time.
var t0 = time.Date(2026, 10, 3, 9, 14, 28, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

const day = 24 * time.Hour

var evSeq int

// call is a use of key by IAM user (user "<root_account>" means Root) of
// acct, logged in acct.
func call(when time.Time, acct, user, key string) *ct.Event {
	evSeq++
	e := &ct.Event{}
	e.Set(ct.ColEventTime, when)
	e.Set(ct.ColEventSource, "s3.amazonaws.com")
	e.Set(ct.ColEventName, "ListBuckets")
	e.Set(ct.ColAWSRegion, "us-east-1")
	e.Set(ct.ColSourceIPAddress, "192.0.2.10")
	e.Set(ct.ColUserAgent, "aws-cli/2.15.0")
	e.Set(ct.ColEventID, fmt.Sprintf("00000000-0000-0000-0000-%012d", evSeq))
	e.Set(ct.ColRecipientAccountID, acct)
	e.Set(ct.ColUIAccountID, acct)
	e.Set(ct.ColUIAccessKeyID, key)
	if user == RootUser {
		e.Set(ct.ColUIType, "Root")
		e.Set(ct.ColUIARN, "arn:aws:iam::"+acct+":root")
	} else {
		e.Set(ct.ColUIType, "IAMUser")
		e.Set(ct.ColUIUserName, user)
		e.Set(ct.ColUIARN, "arn:aws:iam::"+acct+":user/"+user)
	}
	return e
}

// iamCall is an IAM access-key call by caller (an IAM user of acct, signing
// with callerKey) on target ("" = self-service).
func iamCall(when time.Time, acct, caller, callerKey, name, target string) *ct.Event {
	e := call(when, acct, caller, callerKey)
	e.Set(ct.ColEventSource, "iam.amazonaws.com")
	e.Set(ct.ColEventName, name)
	if target != "" {
		e.Set(ct.ColReqUserName, target)
		e.Set(ct.ColRequestParameters, `{"userName":"`+target+`"}`)
	}
	return e
}

func created(when time.Time, acct, caller, callerKey, target, newKey string, createDate time.Time) *ct.Event {
	e := iamCall(when, acct, caller, callerKey, "CreateAccessKey", target)
	e.Set(ct.ColRespAccessKeyID, newKey)
	e.Set(ct.ColRespAccessKeyCreateDate, createDate)
	e.Set(ct.ColRespAccessKeyStatus, "Active")
	if target != "" {
		e.Set(ct.ColRespAccessKeyUserName, target)
	}
	return e
}

func updated(when time.Time, acct, caller, callerKey, target, key, status string) *ct.Event {
	e := iamCall(when, acct, caller, callerKey, "UpdateAccessKey", target)
	e.Set(ct.ColReqAccessKeyID, key)
	e.Set(ct.ColReqStatus, status)
	return e
}

func deleted(when time.Time, acct, caller, callerKey, target, key string) *ct.Event {
	e := iamCall(when, acct, caller, callerKey, "DeleteAccessKey", target)
	e.Set(ct.ColReqAccessKeyID, key)
	return e
}

func with(e *ct.Event, col int, v any) *ct.Event { return e.Set(col, v) }

// record builds one event record; the caller releases it.
func record(mem memory.Allocator, evs ...*ct.Event) arrow.Record {
	b := array.NewRecordBuilder(mem, ct.EventSchema)
	defer b.Release()
	for _, e := range evs {
		ct.AppendEvent(b, e)
	}
	return b.NewRecord()
}

// build runs a Builder over evs (in two records, to exercise Add) and
// finishes it with reports. It also checks that the facts of evs, fed in
// every way feeds has, give the same inventory (checkFacts).
func build(t *testing.T, reports []*credreport.Report, evs ...*ct.Event) *Inventory {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := New(Options{Mem: mem})
	half := len(evs) / 2
	var recs []arrow.Record
	for _, part := range [][]*ct.Event{evs[:half], evs[half:]} {
		rec := record(mem, part...)
		defer rec.Release()
		if err := b.Add(rec); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	inv := b.Finish(reports)
	asOf := at(30 * day)
	checkFacts(t, mem, recs, Options{}, reports, nil, asOf, render(t, inv, asOf))
	return inv
}

// slot builds an existing key slot.
func slot(active bool, rotated, lastUsed time.Time, region, service string) credreport.KeySlot {
	s := credreport.KeySlot{Active: active, Exists: true, LastRotated: rotated, LastUsedState: credreport.StateNever}
	if !lastUsed.IsZero() {
		s.LastUsed, s.LastUsedState, s.LastUsedRegion, s.LastUsedService = lastUsed, credreport.StateUsed, region, service
	}
	return s
}

func report(acct string, generated time.Time, rows ...credreport.Row) *credreport.Report {
	for i := range rows {
		rows[i].AccountID = acct
		rows[i].Line = i + 2
		if rows[i].User == RootUser {
			rows[i].IsRoot = true
			rows[i].ARN = "arn:aws:iam::" + acct + ":root"
		} else {
			rows[i].ARN = "arn:aws:iam::" + acct + ":user/" + rows[i].User
		}
	}
	return &credreport.Report{File: "report-" + acct + ".csv", Format: "csv", AccountID: acct, GeneratedTime: generated, Rows: rows}
}

func row(user string, k1, k2 credreport.KeySlot) credreport.Row {
	return credreport.Row{User: user, Keys: [2]credreport.KeySlot{k1, k2}}
}

// dump renders a record as text, one line per row, for golden files.
func dump(rec arrow.Record) string {
	var sb strings.Builder
	for i, f := range rec.Schema().Fields() {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(f.Name)
	}
	sb.WriteByte('\n')
	for r := 0; r < int(rec.NumRows()); r++ {
		for c := 0; c < int(rec.NumCols()); c++ {
			if c > 0 {
				sb.WriteByte(',')
			}
			col := rec.Column(c)
			if col.IsNull(r) {
				continue
			}
			switch a := col.(type) {
			case *array.Timestamp:
				sb.WriteString(time.UnixMilli(int64(a.Value(r))).UTC().Format(time.RFC3339))
			case *array.String:
				v := a.Value(r)
				if strings.ContainsAny(v, ",\"\n") {
					v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
				}
				sb.WriteString(v)
			default:
				sb.WriteString(col.ValueStr(r))
			}
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
