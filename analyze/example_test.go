package analyze_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// exampleKey is one row of the per-key view.
type exampleKey struct {
	user                string
	root                bool
	slot                int
	active              bool
	rotated, used       time.Time
	keyCount, activeCnt int
}

// buildKeys builds a per-key record as the credential-report reader would.
func buildKeys(mem memory.Allocator, keys []exampleKey) arrow.Record {
	b := array.NewRecordBuilder(mem, credreport.KeySchema)
	defer b.Release()
	for _, k := range keys {
		for i, f := range credreport.KeySchema.Fields() {
			fb := b.Field(i)
			switch f.Name {
			case credreport.KColAccountID:
				fb.(*array.StringBuilder).Append("111111111111")
			case credreport.KColUser:
				fb.(*array.StringBuilder).Append(k.user)
			case credreport.KColARN:
				arn := "arn:aws:iam::111111111111:user/" + k.user
				if k.root {
					arn = "arn:aws:iam::111111111111:root"
				}
				fb.(*array.StringBuilder).Append(arn)
			case credreport.KColIsRoot:
				fb.(*array.BooleanBuilder).Append(k.root)
			case credreport.KColKeySlot:
				fb.(*array.Int32Builder).Append(int32(k.slot))
			case credreport.KColActive:
				fb.(*array.BooleanBuilder).Append(k.active)
			case credreport.KColLastRotated:
				fb.(*array.TimestampBuilder).Append(arrow.Timestamp(k.rotated.UnixMilli()))
			case credreport.KColLastUsed:
				if k.used.IsZero() {
					fb.AppendNull()
				} else {
					fb.(*array.TimestampBuilder).Append(arrow.Timestamp(k.used.UnixMilli()))
				}
			case credreport.KColLastUsedState:
				state := credreport.StateUsed
				if k.used.IsZero() {
					state = credreport.StateNever
				}
				fb.(*array.StringBuilder).Append(state)
			case credreport.KColUserKeyCount:
				fb.(*array.Int32Builder).Append(int32(k.keyCount))
			case credreport.KColUserActiveKeys:
				fb.(*array.Int32Builder).Append(int32(k.activeCnt))
			case credreport.KColSourceFile:
				fb.(*array.StringBuilder).Append("report.csv")
			case credreport.KColSourceLine:
				fb.(*array.Int64Builder).Append(2)
			default:
				fb.AppendNull()
			}
		}
	}
	return b.NewRecord()
}

func Example() {
	asOf := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	day := analyze.Day
	mem := memory.NewGoAllocator()
	keys := buildKeys(mem, []exampleKey{
		{user: "<root_account>", root: true, slot: 1, active: true, rotated: asOf.Add(-700 * day), keyCount: 1, activeCnt: 1},
		{user: "ci-bot", slot: 1, active: true, rotated: asOf.Add(-143 * day), used: asOf.Add(-1 * day), keyCount: 2, activeCnt: 2},
		{user: "ci-bot", slot: 2, active: true, rotated: asOf.Add(-60 * day), keyCount: 2, activeCnt: 2},
		{user: "dana", slot: 1, active: true, rotated: asOf.Add(-10 * day), keyCount: 1, activeCnt: 1},
	})
	defer keys.Release()

	findings := analyze.Evaluate(analyze.DefaultConfig(asOf), []arrow.Record{keys})

	sups, err := analyze.LoadSuppressions("suppressions.json", strings.NewReader(`{"suppressions": [
		{"rule": "two-active-keys", "user": "ci-bot", "reason": "rotation in progress", "expires": "2026-12-31"}
	]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	stats := analyze.ApplySuppressions(analyze.DefaultConfig(asOf), findings, sups)

	for _, f := range findings {
		muted := ""
		if f.Muted {
			muted = " [muted: " + f.MuteReason + "]"
		}
		fmt.Printf("%-8s %-15s %-14s %s%s\n", f.Severity, f.Rule, f.User, f.Detail, muted)
	}
	fmt.Println("muted:", stats.Muted)

	rec := analyze.FindingsRecord(mem, findings)
	defer rec.Release()
	fmt.Println("rows:", rec.NumRows(), "columns:", rec.NumCols())
	// Output:
	// critical root-access-key <root_account> root user has active access key 1, last rotated 700 days ago
	// high     stale-key       ci-bot         key 1 last rotated 143 days ago (limit 90 days)
	// medium   two-active-keys ci-bot         user has 2 active access keys [muted: rotation in progress]
	// medium   unused-key      ci-bot         key 2 never used; created or rotated 60 days ago (limit 45 days)
	// muted: 1
	// rows: 4 columns: 14
}
